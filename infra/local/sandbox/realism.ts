/**
 * Realism switches: where Chat2Desk's behaviour is uncertain (reference §3.5, §3.6, §5.3, §8), the
 * sandbox can behave each plausible way, so the connector is tested against each and not only
 * against our own assumptions. Evidence for each switch: docs/SANDBOX.md.
 *
 * Profiles: `classic` (the shapes the sandbox always sent: every id in every event, a group
 * transfer assigned at once, the echo after the response) and `minimal` (every switch the other
 * way). A person picks one with `npm start -- --sandbox-profile minimal` (or
 * `SANDBOX_PROFILE=minimal`), and single switches with the `SANDBOX_*` variables below.
 */
export interface RealismSwitches {
  /** `close_request` = {hook_type, request_id, event_time}; `close_dialog` = {hook_type, dialog_id, event_time}. */
  minimalCloseEvents?: boolean;
  /** `immediate` (default): a transfer to a group assigns an operator at once; `none`: no assignee yet. */
  groupTransferAssignee?: 'immediate' | 'none';
  /** The `outbox` echo of an API message is delivered before `POST /v1/messages` answers. */
  echoBeforeResponse?: boolean;
  /**
   * `operator_id` in the echo of an API message: `sent` (default) the one sent, else null;
   * `omitted` never; `tokenOwner` the operator owning the API token when none was sent.
   */
  apiEchoOperatorId?: 'sent' | 'omitted' | 'tokenOwner';
  /** Where the echo carries the message's `external_id`: `extraData` (default), `topLevel`, `none`. */
  echoExternalId?: 'extraData' | 'topLevel' | 'none';
  /**
   * Shape of `attachments[]` items of a client message: `nameLink` (default, `{name, link}`),
   * `url` (`{name, url, mime_type}`), `fileUrl` (`{content_type, file: {url}}`),
   * `fileString` (`{name, mime_type, size, file: "<url>"}`).
   */
  attachmentShape?: 'nameLink' | 'url' | 'fileUrl' | 'fileString';
  /**
   * Satisfaction surveys (reference §9 rows 1–2): closing a dialog an operator answered in opens a
   * request of type `rating` (`new_request`), sends the survey text, and the client's next message
   * within 10 minutes belongs to it; a later one opens a `common` request (`new_request` too).
   */
  ratingSurvey?: boolean;
  /**
   * Inactivity auto-close (reference §9 row 3): an open dialog with no message for this long is
   * closed with the system line `AUTO_CLOSE_TEXT` and the close events of the profile. Default: never.
   * `SANDBOX_AUTO_CLOSE_IDLE_SECONDS` sets it in seconds.
   */
  autoCloseIdleMs?: number;
  /**
   * WhatsApp's customer service window (reference §9 row 14): a message to a `whatsapp` or `wa_*`
   * client whose own last message is older than this many hours is stored, not delivered, and
   * reported by `outbox_status` with `status: "error"`. Default: no window.
   */
  whatsappWindowHours?: number;
  /**
   * The subscription name that delivers `operator_status_updated` (reference §8): `changed`
   * (default, `operator_status_changed`, as receivers subscribe) or `updated` (the hook's own name,
   * then also accepted in a webhook's events; `operator_status_changed` is accepted but gets nothing).
   */
  operatorStatusSubscription?: 'changed' | 'updated';
  /**
   * `GET /v1/messages` (reference §9 row 10): `full` (default) filters by `client_id` and gives each
   * message its `external_id`; `bare` ignores `client_id` and gives no `external_id`.
   */
  messageListing?: 'full' | 'bare';
  /**
   * `PUT /v1/requests/close` of a client whose request is closed already: `error` (default, 400
   * "… already has state closed", as closing a closed dialog answers, reference §5.2) or `success`.
   */
  closeClosedRequest?: 'error' | 'success';
}

/** The operator who owns the sandbox accounts' API tokens (the administrator). */
export const TOKEN_OWNER_OPERATOR_ID = 1003;

export const SANDBOX_PROFILES = {
  classic: {},
  minimal: {
    minimalCloseEvents: true,
    groupTransferAssignee: 'none',
    echoBeforeResponse: true,
    apiEchoOperatorId: 'tokenOwner',
    echoExternalId: 'none',
    attachmentShape: 'fileUrl',
    ratingSurvey: true,
    whatsappWindowHours: 24,
    messageListing: 'bare',
    closeClosedRequest: 'success',
  },
} as const satisfies Record<string, RealismSwitches>;

export type SandboxProfileName = keyof typeof SANDBOX_PROFILES;

export function isSandboxProfile(name: string): name is SandboxProfileName {
  return Object.hasOwn(SANDBOX_PROFILES, name);
}

/** A switch set from a variable: one of `values`, or a positive number times `scale`. */
type Choice = { env: string; values: readonly string[] } | { env: string; scale: number };

const CHOICES: { [K in keyof RealismSwitches]-?: Choice } = {
  minimalCloseEvents: { env: 'SANDBOX_MINIMAL_CLOSE_EVENTS', values: ['true', 'false'] },
  groupTransferAssignee: { env: 'SANDBOX_GROUP_TRANSFER_ASSIGNEE', values: ['immediate', 'none'] },
  echoBeforeResponse: { env: 'SANDBOX_ECHO_BEFORE_RESPONSE', values: ['true', 'false'] },
  apiEchoOperatorId: { env: 'SANDBOX_API_ECHO_OPERATOR_ID', values: ['sent', 'omitted', 'tokenOwner'] },
  echoExternalId: { env: 'SANDBOX_ECHO_EXTERNAL_ID', values: ['extraData', 'topLevel', 'none'] },
  attachmentShape: { env: 'SANDBOX_ATTACHMENT_SHAPE', values: ['nameLink', 'url', 'fileUrl', 'fileString'] },
  ratingSurvey: { env: 'SANDBOX_RATING_SURVEY', values: ['true', 'false'] },
  autoCloseIdleMs: { env: 'SANDBOX_AUTO_CLOSE_IDLE_SECONDS', scale: 1000 },
  whatsappWindowHours: { env: 'SANDBOX_WHATSAPP_WINDOW_HOURS', scale: 1 },
  operatorStatusSubscription: { env: 'SANDBOX_OPERATOR_STATUS_SUBSCRIPTION', values: ['changed', 'updated'] },
  messageListing: { env: 'SANDBOX_MESSAGE_LISTING', values: ['full', 'bare'] },
  closeClosedRequest: { env: 'SANDBOX_CLOSE_CLOSED_REQUEST', values: ['error', 'success'] },
};

/**
 * The switches a person asked for: a profile, then single `SANDBOX_*` variables over it.
 * Throws with the variable's name and its allowed values on anything else.
 */
export function realismFromEnv(env: NodeJS.ProcessEnv, profile = env.SANDBOX_PROFILE): RealismSwitches {
  if (profile !== undefined && !isSandboxProfile(profile)) {
    throw new Error(
      `sandbox profile "${profile}" is unknown: use ${Object.keys(SANDBOX_PROFILES).join(' or ')}`,
    );
  }
  const switches: Record<string, unknown> = { ...(profile ? SANDBOX_PROFILES[profile] : {}) };
  for (const [name, choice] of Object.entries(CHOICES) as [string, Choice][]) {
    const variable = choice.env;
    const value = env[variable];
    if (value === undefined || value === '') continue;
    if ('scale' in choice) {
      const amount = Number(value);
      if (!Number.isFinite(amount) || amount <= 0)
        throw new Error(`${variable}=${value} is not a positive number`);
      switches[name] = amount * choice.scale;
      continue;
    }
    if (!choice.values.includes(value))
      throw new Error(`${variable}=${value} is not one of ${choice.values.join(', ')}`);
    switches[name] = value === 'true' ? true : value === 'false' ? false : value;
  }
  return switches as RealismSwitches;
}

/**
 * What `realismFromEnv` picks, for a person to read: the profile (`classic` when none is named),
 * then each single `SANDBOX_*` switch set over it.
 */
export function describeRealism(env: NodeJS.ProcessEnv, profile = env.SANDBOX_PROFILE): string {
  const switches = Object.values(CHOICES)
    .filter(({ env: variable }) => env[variable] !== undefined && env[variable] !== '')
    .map(({ env: variable }) => `${variable}=${env[variable]}`);
  return [profile || 'classic', ...switches].join(' + ');
}
