/**
 * `npm run doctor`: a read-only check of a real Chat2Desk account before (or after) connecting it.
 * Only GET requests, through the one Chat2Desk account client. The token is never printed: every
 * line goes through `redactSecrets`, and the header shows its mask.
 */
import {
  type AccountWebhook,
  type Chat2DeskAccountClient,
  MAX_WEBHOOKS_PER_ACCOUNT,
} from '../shared/adapters/chat2desk/account-client';
import { describeChat2DeskFailure } from '../shared/channels/activation-checks';
import { maskToken, redactSecrets } from '../shared/redaction';
import { WEBHOOK_NAME_PREFIX } from '../shared/webhook-url';

export type DoctorStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorRow {
  check: 'token' | 'webhooks' | 'operator' | 'webhook slots' | 'write first';
  status: DoctorStatus;
  detail: string;
}

export interface DoctorReport {
  rows: DoctorRow[];
  /** true when no row failed (warnings do not fail). */
  ok: boolean;
}

export interface DoctorInput {
  account: Pick<Chat2DeskAccountClient, 'apiInfo' | 'listWebhooks' | 'listOperators'>;
  apiUrl: string;
  operatorId?: string;
}

const RECENT_ERRORS = 3;

function describeWebhook(w: AccountWebhook): string {
  const errors = w.errors.slice(-RECENT_ERRORS).map((e) => (e.at ? `${e.at} ${e.text}` : e.text));
  const state = w.status === 'disabled' ? 'DISABLED' : w.status;
  return `${w.name} ${state}${errors.length > 0 ? ` (recent errors: ${errors.join('; ')})` : ', no recent errors'}`;
}

export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const rows: DoctorRow[] = [];
  const skipRest = (reason: string) => {
    for (const check of ['webhooks', 'operator', 'webhook slots', 'write first'] as const) {
      rows.push({ check, status: 'skip', detail: reason });
    }
  };

  let info: Awaited<ReturnType<DoctorInput['account']['apiInfo']>>;
  try {
    info = await input.account.apiInfo();
  } catch (err) {
    rows.push({ check: 'token', status: 'fail', detail: describeChat2DeskFailure(err, input.apiUrl) });
    skipRest('not checked: the token was not accepted');
    return finish(rows);
  }
  const company = [
    info.companyName ? `company ${info.companyName}` : 'company (no name)',
    info.companyId ? `id ${info.companyId}` : undefined,
    info.mode ? `mode ${info.mode}` : undefined,
    info.requestsThisMonth !== undefined ? `${info.requestsThisMonth} requests this month` : undefined,
  ].filter(Boolean);
  rows.push({ check: 'token', status: 'ok', detail: `accepted: ${company.join(', ')}` });

  const [webhooks, operators] = await Promise.allSettled([
    input.account.listWebhooks(),
    input.operatorId !== undefined ? input.account.listOperators() : Promise.resolve([]),
  ]);

  if (webhooks.status === 'rejected') {
    const reason = describeChat2DeskFailure(webhooks.reason, input.apiUrl);
    rows.push({ check: 'webhooks', status: 'fail', detail: `could not list webhooks: ${reason}` });
    rows.push({ check: 'webhook slots', status: 'skip', detail: 'not checked: webhooks not listed' });
  } else {
    const all = webhooks.value;
    const ours = all.filter((w) => w.name.startsWith(WEBHOOK_NAME_PREFIX));
    const disabled = ours.filter((w) => w.status === 'disabled');
    rows.push({
      check: 'webhooks',
      status: disabled.length > 0 ? 'fail' : 'ok',
      detail:
        ours.length === 0
          ? 'none of ours yet (activating a channel registers one)'
          : `${ours.length} of ours: ${ours.map(describeWebhook).join(' | ')}${
              disabled.length > 0
                ? `; disabled: ${disabled.map((w) => w.name).join(', ')} — Chat2Desk gave up delivering; the webhook healer (or deactivate + activate) re-enables it`
                : ''
            }`,
    });
    const free = Math.max(0, MAX_WEBHOOKS_PER_ACCOUNT - all.length);
    rows.push({
      check: 'webhook slots',
      // A full account can still be used by a channel that has its webhook already.
      status: free === 0 && ours.length === 0 ? 'fail' : 'ok',
      detail:
        free === 0 && ours.length === 0
          ? `0 of ${MAX_WEBHOOKS_PER_ACCOUNT} free: activation cannot register a webhook; delete one in Chat2Desk`
          : `${free} of ${MAX_WEBHOOKS_PER_ACCOUNT} free`,
    });
  }

  if (input.operatorId === undefined) {
    rows.push({
      check: 'operator',
      status: 'skip',
      detail: 'no --operator-id: the bot answers the general queue (dialogs without an operator)',
    });
  } else if (operators.status === 'rejected') {
    rows.push({
      check: 'operator',
      status: 'fail',
      detail: `could not list operators: ${describeChat2DeskFailure(operators.reason, input.apiUrl)}`,
    });
  } else {
    const found = operators.value.find((o) => o.id === input.operatorId);
    rows.push(
      found
        ? operatorRow(found)
        : {
            check: 'operator',
            status: 'fail',
            detail: `${input.operatorId} is not among the account's ${operators.value.length} operators (${operators.value
              .slice(0, 10)
              .map((o) => `${o.id} ${o.name}`)
              .join(', ')})`,
          },
    );
  }

  rows.push(
    info.writeFirst === true
      ? { check: 'write first', status: 'ok', detail: 'on: notify can message clients who have not written' }
      : {
          check: 'write first',
          status: 'warn',
          detail:
            info.writeFirst === false
              ? 'off: notify is refused (WRITE_FIRST_DISABLED); ask Chat2Desk to enable "write first"'
              : 'not reported by this account (write_first_option missing)',
        },
  );
  return finish(rows);
}

/** The bot's operator and its status: offline is a warning (activation says OPERATOR_OFFLINE too). */
function operatorRow(o: Awaited<ReturnType<DoctorInput['account']['listOperators']>>[number]): DoctorRow {
  const who = `${o.id} ${o.name}${o.role ? ` (${o.role})` : ''}`;
  if (o.online === false) {
    return {
      check: 'operator',
      status: 'warn',
      detail: `${who}, offline${o.offlineType ? ` (${o.offlineType})` : ''}: an account may close an offline operator's chats — set it to Working and exempt it from the inactivity rule`,
    };
  }
  return {
    check: 'operator',
    status: 'ok',
    detail: `${who}${o.online === true ? ', online' : ', status not reported'}`,
  };
}

/** The order a person reads: can we talk, what is ours, who the bot is, room left, mailing. */
const ROW_ORDER: DoctorRow['check'][] = ['token', 'webhooks', 'operator', 'webhook slots', 'write first'];

function finish(rows: DoctorRow[]): DoctorReport {
  const ordered = [...rows].sort((a, b) => ROW_ORDER.indexOf(a.check) - ROW_ORDER.indexOf(b.check));
  return { rows: ordered, ok: rows.every((r) => r.status !== 'fail') };
}

/** The table a person reads; the token appears only as its mask. */
export function formatDoctorReport(report: DoctorReport, apiUrl: string, token: string): string {
  const width = Math.max(...report.rows.map((r) => r.check.length), 'check'.length);
  const lines = [
    `Chat2Desk account at ${apiUrl}, token ${maskToken(token)}`,
    '',
    `${'check'.padEnd(width)}  result  detail`,
    ...report.rows.map((r) => `${r.check.padEnd(width)}  ${r.status.padEnd(6)}  ${r.detail}`),
    '',
  ];
  const failed = report.rows.filter((r) => r.status === 'fail');
  lines.push(
    failed.length === 0
      ? 'all is well'
      : `${failed.length} problem${failed.length > 1 ? 's' : ''}: ${failed.map((r) => `${r.check}: ${r.detail}`).join(' / ')}`,
  );
  return redactSecrets(`${lines.join('\n')}\n`);
}
