/**
 * What activation reports without failing (docs/MANAGEMENT.md, "Warnings"): an `operatorId` the
 * account does not list, or lists as offline (`OPERATOR_OFFLINE`: the bot's operator never logs in,
 * and an account may close an offline operator's chats, reference §9 row 4). The seed routes by operator id; an id that is not among the account's
 * operators usually means a typo, and the bot would then never see a message. It does not block
 * activation: the operator may be created in Chat2Desk a moment later, and listing operators may
 * need rights the token's user lacks.
 */
import type { Channel } from '../domain/channel';
import type { ActivationWarning } from './activation-checks';
import type { ChannelUseCaseDeps } from './ports';

export const OPERATOR_NOT_LISTED = 'OPERATOR_NOT_LISTED';
export const OPERATOR_OFFLINE = 'OPERATOR_OFFLINE';

export async function activationWarnings(
  deps: ChannelUseCaseDeps,
  candidate: Channel,
): Promise<ActivationWarning[]> {
  if (candidate.operatorId === undefined) return [];
  const account = deps.accounts.forAccount(candidate.apiUrl, candidate.token);
  if (!account.listOperators) return [];
  let operators: { id: string; online?: boolean; offlineType?: string }[];
  try {
    operators = await account.listOperators();
  } catch {
    // Unreachable or refused: addressReachable says so; no guess here.
    return [];
  }
  const operator = operators.find((o) => o.id === candidate.operatorId);
  if (operator?.online === false) {
    return [
      {
        code: OPERATOR_OFFLINE,
        message: `operator ${candidate.operatorId} is offline in Chat2Desk${
          operator.offlineType ? ` (${operator.offlineType})` : ''
        }; an account may close an offline operator's chats — set the operator's status to Working and exempt it from the rule that switches inactive operators offline`,
      },
    ];
  }
  if (operator) return [];
  const known = operators.map((o) => o.id).slice(0, 10);
  return [
    {
      code: OPERATOR_NOT_LISTED,
      message: `operator ${candidate.operatorId} is not among the account's ${operators.length} operators${
        known.length > 0 ? ` (${known.join(', ')}${operators.length > known.length ? ', …' : ''})` : ''
      }; the bot only answers dialogs assigned to that operator — check the Chat2Desk operator ID`,
    },
  ];
}
