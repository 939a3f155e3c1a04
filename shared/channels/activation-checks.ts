/**
 * The four activation conditions of the seed, in order, each with a reason a person can act on.
 * The first three have no side effects and always all run, so one report names every problem;
 * `webhookRegistered` is decided only after the token lock was taken.
 */
import type { Channel } from '../domain/channel';
import { activationWarnings } from './activation-warnings';
import type { ChannelUseCaseDeps } from './ports';

export const CHECK_NAMES = ['agentTrained', 'tokenUnique', 'addressReachable', 'webhookRegistered'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

export interface CheckResult {
  name: CheckName;
  ok: boolean;
  reason?: string;
}

export interface ActivationReport {
  /** The channel is active after the command. */
  activated: boolean;
  /** The requested changes were stored (always true for create; false for a refused APPLY). */
  applied: boolean;
  checks: CheckResult[];
  /** Things a person should know that do not stop the activation (docs/MANAGEMENT.md). */
  warnings?: ActivationWarning[];
}

/** A stable code and a sentence; `OPERATOR_NOT_LISTED`: the account does not list `operatorId`. */
export interface ActivationWarning {
  code: string;
  message: string;
}

export const NOT_CHECKED = 'not checked';

export type CheckSet = Record<CheckName, CheckResult>;

export function notChecked(name: CheckName): CheckResult {
  return { name, ok: false, reason: NOT_CHECKED };
}

export function passed(name: CheckName): CheckResult {
  return { name, ok: true };
}

export function failed(name: CheckName, reason: string): CheckResult {
  return { name, ok: false, reason };
}

export function orderedChecks(set: CheckSet): CheckResult[] {
  return CHECK_NAMES.map((name) => set[name]);
}

/** Normalised failure kind of a Chat2Desk error (see shared/adapters/chat2desk/http.ts). */
function chat2DeskFailure(err: unknown): string | undefined {
  const failure = (err as { failure?: unknown } | null)?.failure;
  return typeof failure === 'string' ? failure : undefined;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : 'unknown error';
}

/** A reason a person can act on, for a failed Chat2Desk call. */
export function describeChat2DeskFailure(err: unknown, apiUrl: string): string {
  switch (chat2DeskFailure(err)) {
    case 'unreachable':
      return `the Chat2Desk API at ${apiUrl} did not answer (${errorText(err)}); check the address`;
    case 'badToken':
      return 'Chat2Desk did not accept the token; copy the API token again (API and scripts → Show)';
    case 'throttled':
      return 'Chat2Desk is throttling this account right now; try again in a minute';
    case 'quotaExceeded':
      return "the Chat2Desk account's monthly API quota is used up";
    case 'full':
      return 'the Chat2Desk account already has the maximum of 5 webhooks; delete one in Chat2Desk and try again';
    case 'notFound':
      return `the address ${apiUrl} does not serve the Chat2Desk API (not found); check the address`;
    case 'serverError':
      return `the Chat2Desk API at ${apiUrl} failed (server error); try again later`;
    case 'invalidResponse':
      return `the address ${apiUrl} does not answer like the Chat2Desk API (${errorText(err)}); check the address`;
    case 'rejected':
      return `Chat2Desk refused the request: ${errorText(err)}`;
    default:
      return `unexpected error: ${errorText(err)}`;
  }
}

export interface Preflight {
  checks: CheckSet;
  allPassed: boolean;
  /** A lock whose owner no longer holds the token; the activation may take it over. */
  reclaimLockFrom?: string;
  /** Reported with the checks; never stop the activation. */
  warnings: ActivationWarning[];
}

/** Runs the three side-effect-free checks concurrently for the channel as it would be saved. */
export async function preflight(deps: ChannelUseCaseDeps, candidate: Channel): Promise<Preflight> {
  const [agentTrained, token, addressReachable, warnings] = await Promise.all([
    checkAgentTrained(deps, candidate),
    checkTokenUnique(deps, candidate),
    checkAddressReachable(deps, candidate),
    activationWarnings(deps, candidate),
  ]);
  const checks: CheckSet = {
    agentTrained,
    tokenUnique: token.result,
    addressReachable,
    webhookRegistered: notChecked('webhookRegistered'),
  };
  return {
    checks,
    allPassed: agentTrained.ok && token.result.ok && addressReachable.ok,
    warnings,
    ...(token.reclaimFrom ? { reclaimLockFrom: token.reclaimFrom } : {}),
  };
}

async function checkAgentTrained(deps: ChannelUseCaseDeps, channel: Channel): Promise<CheckResult> {
  try {
    const status = await deps.agents.trainedStatus(channel.agentId);
    if (status.trained) return passed('agentTrained');
    return failed(
      'agentTrained',
      status.reason === 'unknownAgent'
        ? `${status.message}; check the agent id`
        : `${status.message}; train the agent, then activate the channel`,
    );
  } catch (err) {
    return failed(
      'agentTrained',
      `could not ask the platform whether the agent is trained (${errorText(err)}); try again`,
    );
  }
}

async function checkTokenUnique(
  deps: ChannelUseCaseDeps,
  channel: Channel,
): Promise<{ result: CheckResult; reclaimFrom?: string }> {
  try {
    const owner = await deps.channels.tokenLockOwner(channel.token);
    if (owner === undefined || owner === channel.id) return { result: passed('tokenUnique') };
    const holder = await deps.channels.get(owner);
    if (holder && holder.status === 'active' && holder.token === channel.token) {
      return {
        result: failed(
          'tokenUnique',
          'another active Chat2Desk channel already uses this token; deactivate that channel or use another token',
        ),
      };
    }
    // A lock whose channel is gone, inactive or on another token: stale, may be taken over.
    return { result: passed('tokenUnique'), reclaimFrom: owner };
  } catch (err) {
    return { result: failed('tokenUnique', `could not check the token (${errorText(err)}); try again`) };
  }
}

async function checkAddressReachable(deps: ChannelUseCaseDeps, channel: Channel): Promise<CheckResult> {
  const guard = await deps.apiUrlPolicy.check(channel.apiUrl);
  if (!guard.ok) return failed('addressReachable', `the Chat2Desk API address ${guard.reason}`);
  try {
    await deps.accounts.forAccount(channel.apiUrl, channel.token).apiInfo();
    return passed('addressReachable');
  } catch (err) {
    return failed('addressReachable', describeChat2DeskFailure(err, channel.apiUrl));
  }
}
