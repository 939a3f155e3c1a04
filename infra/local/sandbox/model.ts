/**
 * The sandbox's in-memory Chat2Desk: accounts (one per token), their webhooks, clients, one dialog
 * per client, requests (episodes) and messages in both directions. Operations validate like the
 * API does and emit webhook events through `emit`; they know nothing about HTTP.
 */
import { createHash } from 'node:crypto';
import { isRecord, SandboxApiError } from './http-io';
import { type RealismSwitches, TOKEN_OWNER_OPERATOR_ID } from './realism';
import type { ClientMessageInput, SandboxWebhook, TranscriptButton, TranscriptEntry } from './types';

export const SANDBOX_CHANNEL_ID = 7001;
export const MAX_WEBHOOKS_PER_ACCOUNT = 5;
export const BOT_OPERATOR_ID = 1001;
/** The channel id of an event that belongs to no channel (an operator's status): every webhook gets it. */
export const ACCOUNT_WIDE = 0;

export const OPERATORS = [
  { id: 1001, first_name: 'Sandbox', last_name: 'Bot', email: 'bot@sandbox.local', role: 'operator' },
  { id: 1002, first_name: 'Anna', last_name: 'Petrova', email: 'anna@sandbox.local', role: 'operator' },
  { id: 1003, first_name: 'Boris', last_name: 'Ivanov', email: 'boris@sandbox.local', role: 'supervisor' },
] as const;

export const OPERATOR_GROUPS = [
  { id: 501, name: 'Support', operator_ids: [1002, 1003] },
  { id: 502, name: 'Sales', operator_ids: [1003] },
] as const;

export const TRANSPORTS = ['telegram', 'whatsapp', 'viber', 'vkontakte', 'widget'] as const;

/**
 * Chat2Desk's event list names the operator status hook `operator_status_changed`; the hook it
 * delivers is typed `operator_status_updated` (reference §8, from receivers' code).
 */
export const OPERATOR_STATUS_SUBSCRIPTION = 'operator_status_changed';

/**
 * The subscription name a webhook lists to get a hook of this type: its own name, except the
 * operator status hook unless the `operatorStatusSubscription` switch says `updated`.
 */
export function subscriptionOf(hookType: string, realism: RealismSwitches = {}): string {
  return hookType === 'operator_status_updated' && realism.operatorStatusSubscription !== 'updated'
    ? OPERATOR_STATUS_SUBSCRIPTION
    : hookType;
}

const WEBHOOK_EVENTS = new Set([
  'inbox',
  'outbox',
  'outbox_status',
  'comment',
  'system_message',
  'imported_message',
  'new_client',
  'client_updated',
  'client_added_to_blacklist',
  'new_request',
  'close_request',
  'close_dialog',
  'dialog_transferred',
  'add_tag_to_client',
  'delete_tag_from_client',
  'add_tag_to_request',
  'delete_tag_from_request',
  'new_tag',
  'new_qr_code',
  OPERATOR_STATUS_SUBSCRIPTION,
  'new_ticket',
  'ticket_updated',
  'ticket_deleted',
]);

export interface WebhookState {
  id: number;
  name: string;
  url: string;
  events: string[];
  status: 'enable' | 'disable';
  channels: number[];
  order: number;
  errors: { text: string; created_at: string }[];
  /** First failure since the last success (ms). */
  failingSince?: number;
}

export interface MessageState {
  id: number;
  clientId: number;
  dialogId: number;
  requestId: number;
  direction: 'in' | 'out';
  type: string;
  text: string | null;
  transport: string;
  channelId: number;
  operatorId: number | null;
  at: number;
  attachments: { name: string; url: string; contentType?: string; size?: number }[];
  buttons: TranscriptButton[];
  pdf: string | null;
  attachmentFilename: string | null;
  coordinates: string | null;
  externalId: string | null;
  /** Why the messenger refused the message (`outbox_status` error); absent when delivered. */
  deliveryError?: string;
}

export interface DialogState {
  id: number;
  clientId: number;
  state: 'open' | 'closed';
  operatorId: number | null;
  begin: number;
  end: number | null;
  requestId: number;
  messageCount: number;
  lastMessageId: number | null;
  /** The operator who last wrote to the client in the current request (a survey follows its close). */
  answeredBy: number | null;
  /** The open satisfaction survey: its request, and until when the client's answer belongs to it. */
  survey: { requestId: number; until: number } | null;
}

/** How long after the survey the client's next message is its answer. */
export const SURVEY_ANSWER_MS = 10 * 60_000;
export const SURVEY_TEXT = 'Please rate the work of our operator from 1 to 5';
/** The system line of an inactivity auto-close (reference §9 row 3, EN locale). */
export const AUTO_CLOSE_TEXT = 'Chat closed. Reason — chat inactivity timeout';
/** What WhatsApp answers to a free-form message outside its 24 h window (error 131047). */
export const WHATSAPP_WINDOW_ERROR =
  'Message failed to send because more than 24 hours have passed since the customer last replied to this number.';

function isWhatsApp(transport: string): boolean {
  return transport === 'whatsapp' || transport.startsWith('wa_');
}

export interface ClientState {
  id: number;
  name: string;
  phone: string;
  clientPhone: string | null;
  transport: string;
  channelId: number;
  dialogId: number;
  messages: MessageState[];
}

export interface Account {
  label: string;
  /** Kept only to sign deliveries; never written to records, answers or logs. */
  token: string;
  webhooks: Map<number, WebhookState>;
  clients: Map<number, ClientState>;
  dialogs: Map<number, DialogState>;
  messages: Map<number, MessageState>;
  requestsThisMonth: number;
  recentRequests: number[];
  /** Operators set offline through the status hook (all are "Working" until then), by id. */
  operatorStatus: Map<number, OperatorStatus>;
}

export interface OperatorStatus {
  online: 0 | 1;
  offlineType: string | null;
}

export type WebhookEvent = Record<string, unknown> & { hook_type: string };

/** Queues an event's deliveries; resolves when their first attempts are done (or at once when none). */
export type Emit = (
  account: Account,
  event: WebhookEvent,
  clientId: number,
  channelId: number,
) => Promise<void>;

export function accountLabel(token: string): string {
  return `acct-${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 8)}`;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Chat2Desk ids arrive as numbers or numeric strings. */
export function parseId(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  if (typeof value === 'string' && /^[1-9]\d{0,15}$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

function fieldError(field: string, message: string, status = 400): SandboxApiError {
  return new SandboxApiError(status, message, { [field]: [message] });
}

function notFound(): SandboxApiError {
  return new SandboxApiError(404, 'not_found');
}

const IMAGE = /\.(png|jpe?g|gif|webp|bmp|svg)(\?|#|$)/i;
const VIDEO = /\.(mp4|mov|webm|avi|mkv)(\?|#|$)/i;
const AUDIO = /\.(mp3|ogg|oga|opus|wav|m4a)(\?|#|$)/i;
const PDF = /\.pdf(\?|#|$)/i;

function fileName(url: string): string {
  try {
    const last = new URL(url).pathname.split('/').filter(Boolean).pop();
    return last ? decodeURIComponent(last) : 'file';
  } catch {
    return 'file';
  }
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A client "phone" as Chat2Desk shows it: a pseudo id for messengers without numbers. */
function pseudoPhone(transport: string, clientId: number): { phone: string; clientPhone: string | null } {
  const number = `79${String(100000000 + (clientId % 900000000)).slice(-9)}`;
  switch (transport) {
    case 'whatsapp':
    case 'viber':
      return { phone: number, clientPhone: number };
    case 'telegram':
      return { phone: `[tg] ${clientId}`, clientPhone: null };
    case 'vkontakte':
      return { phone: `[vk] ${clientId}`, clientPhone: null };
    case 'widget':
      return {
        phone: `[chat] ${createHash('sha1').update(String(clientId)).digest('hex').slice(0, 12)}`,
        clientPhone: null,
      };
    default:
      return { phone: `[${transport}] ${clientId}`, clientPhone: null };
  }
}

function parseButtons(value: unknown, kind: 'keyboard' | 'inline', field: string): TranscriptButton[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fieldError(field, `${field} must be an array`);
  return value.map((raw, index) => {
    if (!isRecord(raw) || typeof raw.text !== 'string' || raw.text.length === 0) {
      throw fieldError(field, `${field}.${index}.text is required`);
    }
    const type = typeof raw.type === 'string' ? raw.type : 'reply';
    if (type === 'url' && !isHttpUrl(raw.url)) throw fieldError(field, `${field}.${index}.url is invalid`);
    const button: TranscriptButton = { kind, type, text: raw.text };
    if (typeof raw.url === 'string') button.url = raw.url;
    if (typeof raw.payload === 'string') button.payload = raw.payload;
    if (typeof raw.color === 'string') button.color = raw.color;
    return button;
  });
}

/** 2026-01-01T00:00:00Z: the clock's ids count seconds from here. */
const ID_CLOCK_EPOCH_MS = Date.UTC(2026, 0, 1);
/** Ids a run may use per second of its life before the next run's first ids could reach them. */
const IDS_PER_SECOND = 1000;

/** The first id of a counter: `first`, or past any earlier run's ids with `idsFromClock`. */
function firstId(first: number, clockMs: number | undefined): number {
  if (clockMs === undefined) return first;
  return first + Math.max(0, Math.floor((clockMs - ID_CLOCK_EPOCH_MS) / 1000)) * IDS_PER_SECOND;
}

export class SandboxModel {
  private readonly accounts = new Map<string, Account>();
  private nextMessageId: number;
  private nextDialogId: number;
  private nextRequestId: number;
  private readonly firstApiClientId: number;
  private nextWebhookId = 1;
  private groupCursor = 0;

  /** The deliveries of the last API message's echo (for `echoBeforeResponse`). */
  private lastEcho: Promise<void> | undefined;

  constructor(
    private readonly emit: Emit,
    private readonly now: () => number = Date.now,
    private readonly realism: RealismSwitches = {},
    ids: { fromClock?: boolean } = {},
  ) {
    const clockMs = ids.fromClock ? now() : undefined;
    this.nextMessageId = firstId(100_000_001, clockMs);
    this.nextDialogId = firstId(5_000_001, clockMs);
    this.nextRequestId = firstId(7_000_001, clockMs);
    this.firstApiClientId = firstId(900_000_001, clockMs);
  }

  /** The first delivery attempts of the echo of the message just sent, once. */
  takeEchoDelivery(): Promise<void> | undefined {
    const echo = this.lastEcho;
    this.lastEcho = undefined;
    return echo;
  }

  account(token: string): Account {
    let account = this.accounts.get(token);
    if (!account) {
      account = {
        label: accountLabel(token),
        token,
        webhooks: new Map(),
        clients: new Map(),
        dialogs: new Map(),
        messages: new Map(),
        requestsThisMonth: 0,
        recentRequests: [],
        operatorStatus: new Map(),
      };
      this.accounts.set(token, account);
    }
    return account;
  }

  allAccounts(): Account[] {
    return [...this.accounts.values()];
  }

  // ---- company ----------------------------------------------------------------------------

  apiInfo(account: Account): Record<string, unknown> {
    const companyId = Number.parseInt(account.label.slice(5, 11), 16);
    return {
      companyID: companyId,
      partnerID: null,
      company_name: `Sandbox company ${account.label}`,
      admin_email: `admin+${account.label}@sandbox.local`,
      company_mode: 'paid',
      mode: 'paid',
      company_lang: 'en',
      current_version: 'sandbox',
      write_first_option: true,
      requests_this_month: account.requestsThisMonth,
      channels: 1,
      hook: null,
      chat_close_web_hook: null,
    };
  }

  // ---- webhooks ---------------------------------------------------------------------------

  webhookView(hook: WebhookState): Record<string, unknown> {
    return {
      id: hook.id,
      name: hook.name,
      url: hook.url,
      events: [...hook.events],
      status: hook.status,
      errors: hook.errors.map((e) => ({ ...e })),
      source: 'api',
      channels: [...hook.channels],
      order: hook.order,
    };
  }

  publicWebhook(hook: WebhookState): SandboxWebhook {
    return {
      id: String(hook.id),
      url: hook.url,
      name: hook.name,
      events: [...hook.events],
      status: hook.status,
      channels: [...hook.channels],
      errors: hook.errors.map((e) => ({ ...e })),
    };
  }

  listWebhooks(account: Account): WebhookState[] {
    return [...account.webhooks.values()];
  }

  private validateWebhookBody(
    account: Account,
    body: unknown,
    existing?: WebhookState,
  ): Omit<WebhookState, 'id' | 'errors'> {
    if (!isRecord(body))
      throw new SandboxApiError(400, 'Validation error', { body: ['JSON object expected'] });
    const errors: Record<string, string[]> = {};
    const url = body.url ?? existing?.url;
    if (!isHttpUrl(url)) errors.url = ['The url format is invalid.'];
    else {
      for (const other of account.webhooks.values()) {
        if (other !== existing && other.url === url) errors.url = [`Url ${url} already used`];
      }
    }
    const events = body.events ?? existing?.events ?? [];
    if (!Array.isArray(events) || events.some((e) => typeof e !== 'string')) {
      errors.events = ['The events must be an array of event names.'];
    } else {
      const known = (e: string) =>
        WEBHOOK_EVENTS.has(e) ||
        (e === 'operator_status_updated' && this.realism.operatorStatusSubscription === 'updated');
      const unknown = events.filter((e) => !known(e as string));
      if (unknown.length > 0) errors.events = [`Unknown events: ${unknown.join(', ')}`];
    }
    const status = body.status ?? existing?.status ?? 'enable';
    if (status !== 'enable' && status !== 'disable')
      errors.status = ['The status must be enable or disable.'];
    const channelsRaw = body.channels ?? existing?.channels ?? [];
    const channels = Array.isArray(channelsRaw) ? channelsRaw.map(parseId) : [undefined];
    if (channels.some((c) => c === undefined)) errors.channels = ['The channels must be an array of ids.'];
    const name = body.name ?? existing?.name ?? '';
    if (typeof name !== 'string') errors.name = ['The name must be a string.'];
    const order = body.order ?? existing?.order ?? 0;
    if (typeof order !== 'number') errors.order = ['The order must be an integer.'];
    if (Object.keys(errors).length > 0) throw new SandboxApiError(400, 'Validation error', errors);
    return {
      name: name as string,
      url: url as string,
      events: [...new Set(events as string[])],
      status: status as 'enable' | 'disable',
      channels: channels as number[],
      order: order as number,
    };
  }

  createWebhook(account: Account, body: unknown): WebhookState {
    if (account.webhooks.size >= MAX_WEBHOOKS_PER_ACCOUNT) {
      throw new SandboxApiError(
        400,
        `Webhooks limit exceeded: a company can have at most ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks`,
        { webhooks: [`Maximum number of webhooks is ${MAX_WEBHOOKS_PER_ACCOUNT}`] },
      );
    }
    const fields = this.validateWebhookBody(account, body);
    const hook: WebhookState = { id: this.nextWebhookId++, ...fields, errors: [] };
    account.webhooks.set(hook.id, hook);
    return hook;
  }

  updateWebhook(account: Account, id: string, body: unknown): WebhookState {
    const hook = this.webhookById(account, id);
    const fields = this.validateWebhookBody(account, body, hook);
    const enabling = hook.status === 'disable' && fields.status === 'enable';
    Object.assign(hook, fields);
    if (enabling) hook.failingSince = undefined;
    return hook;
  }

  deleteWebhook(account: Account, id: string): void {
    const hook = this.webhookById(account, id);
    account.webhooks.delete(hook.id);
  }

  private webhookById(account: Account, id: string): WebhookState {
    const numeric = parseId(id);
    const hook = numeric === undefined ? undefined : account.webhooks.get(numeric);
    if (!hook) throw notFound();
    return hook;
  }

  // ---- operators ----------------------------------------------------------------------------

  /** `GET /v1/operators` items (reference §5.1, §9 row 4): status per account. */
  operatorsView(account: Account): Record<string, unknown>[] {
    return OPERATORS.map((o) => {
      const status = account.operatorStatus.get(o.id) ?? { online: 1, offlineType: null };
      return {
        ...o,
        phone: null,
        avatar: null,
        online: status.online,
        offline_type: status.offlineType,
        opened_dialogs: [...account.dialogs.values()].filter(
          (d) => d.state === 'open' && d.operatorId === o.id,
        ).length,
        status: 'enabled',
      };
    });
  }

  /**
   * The operator's status changes (it logged in or out, or went inactive): `GET /v1/operators`
   * lists it and `operator_status_updated` goes to webhooks subscribed to it. Not tied to a
   * channel or a client.
   */
  setOperatorStatus(account: Account, idText: string, body: unknown): OperatorStatus {
    const id = parseId(idText);
    const operator = OPERATORS.find((o) => o.id === id);
    if (id === undefined || !operator) throw new SandboxApiError(404, `operator ${idText} not found`);
    if (!isRecord(body) || (body.online !== 0 && body.online !== 1)) {
      throw fieldError('online', 'online must be 0 or 1');
    }
    const offlineType = body.offline_type ?? null;
    if (offlineType !== null && (typeof offlineType !== 'string' || offlineType === '')) {
      throw fieldError('offline_type', 'offline_type must be a non-empty string or null');
    }
    const status: OperatorStatus = { online: body.online, offlineType };
    account.operatorStatus.set(id, status);
    void this.emit(
      account,
      {
        hook_type: 'operator_status_updated',
        id,
        email: operator.email,
        online: status.online,
        offline_type: status.offlineType,
        status_id: status.online === 1 && status.offlineType === null ? 1 : 2,
        event_time: isoTime(this.now()),
      },
      0,
      ACCOUNT_WIDE,
    );
    return status;
  }

  // ---- clients, dialogs, messages ------------------------------------------------------------

  private openRequest(dialog: DialogState, at: number): void {
    dialog.requestId = this.nextRequestId++;
    dialog.state = 'open';
    dialog.begin = at;
    dialog.end = null;
    dialog.answeredBy = null;
    dialog.survey = null;
  }

  /** `new_request` of a client's dialog (sent only with `ratingSurvey`, as to an account subscribed to it). */
  private emitNewRequest(
    account: Account,
    client: ClientState,
    dialog: DialogState,
    type: 'common' | 'rating',
    at: number,
  ) {
    void this.emit(
      account,
      {
        hook_type: 'new_request',
        request_id: dialog.requestId,
        client_id: client.id,
        dialog_id: dialog.id,
        channel_id: client.channelId,
        transport: client.transport,
        type,
        by_client: type === 'common',
        event_time: isoTime(at),
      },
      client.id,
      client.channelId,
    );
  }

  /** A message from the client (the chat page or a test): stores it and emits `inbox`. */
  clientMessage(
    account: Account,
    clientIdText: string,
    input: ClientMessageInput,
  ): { messageId: string; dialogId: string } {
    const clientId = parseId(clientIdText);
    if (clientId === undefined) throw fieldError('clientId', 'client id must be a positive integer');
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw fieldError('body', 'JSON object expected');
    }
    if (input.clientName !== undefined && typeof input.clientName !== 'string') {
      throw fieldError('clientName', 'clientName must be a string');
    }
    if (input.phone !== undefined && typeof input.phone !== 'string') {
      throw fieldError('phone', 'phone must be a string');
    }
    const text = input.text === undefined || input.text === null ? null : input.text;
    if (text !== null && typeof text !== 'string') throw fieldError('text', 'text must be a string');
    const attachmentsRaw = input.attachments ?? [];
    if (!Array.isArray(attachmentsRaw)) throw fieldError('attachments', 'attachments must be an array');
    const attachments = attachmentsRaw.map((a, index) => {
      if (!isRecord(a) || !isHttpUrl(a.url))
        throw fieldError('attachments', `attachments.${index}.url is invalid`);
      const attachment: MessageState['attachments'][number] = {
        name: typeof a.name === 'string' && a.name ? a.name : fileName(a.url),
        url: a.url,
      };
      if (typeof a.contentType === 'string' && a.contentType) attachment.contentType = a.contentType;
      if (typeof a.size === 'number' && Number.isSafeInteger(a.size) && a.size >= 0) attachment.size = a.size;
      return attachment;
    });
    let coordinates: string | null = null;
    if (input.coordinates !== undefined && input.coordinates !== null) {
      const c = input.coordinates;
      const pair =
        typeof c === 'string'
          ? c.split(',').map((s) => Number(s.trim()))
          : isRecord(c)
            ? [Number(c.lat), Number(c.lon)]
            : [];
      if (pair.length !== 2 || !pair.every(Number.isFinite)) {
        throw fieldError('coordinates', "coordinates must be 'lat,lon'");
      }
      coordinates = `${pair[0]},${pair[1]}`;
    }
    if ((text === null || text.length === 0) && attachments.length === 0 && coordinates === null) {
      throw fieldError('text', 'text, attachments or coordinates required');
    }
    const transport = input.transport ?? 'telegram';
    if (typeof transport !== 'string' || !/^[a-z_0-9]{2,32}$/.test(transport)) {
      throw fieldError('transport', 'transport is invalid');
    }
    let operatorId: number | undefined;
    if (input.operatorId !== undefined && input.operatorId !== null) {
      operatorId = parseId(input.operatorId);
      if (operatorId === undefined || !OPERATORS.some((o) => o.id === operatorId)) {
        throw fieldError('operatorId', `operator ${String(input.operatorId)} not found`);
      }
    }

    const at = this.now();
    let client = account.clients.get(clientId);
    const isNewClient = !client;
    if (!client) {
      const dialogId = this.nextDialogId++;
      const phones = pseudoPhone(transport, clientId);
      client = {
        id: clientId,
        name: input.clientName ?? `Client ${clientId}`,
        phone: input.phone ?? phones.phone,
        clientPhone: input.phone ?? phones.clientPhone,
        transport,
        channelId: SANDBOX_CHANNEL_ID,
        dialogId,
        messages: [],
      };
      account.clients.set(clientId, client);
      account.dialogs.set(dialogId, {
        id: dialogId,
        clientId,
        state: 'closed',
        operatorId: null,
        begin: at,
        end: null,
        requestId: 0,
        messageCount: 0,
        lastMessageId: null,
        answeredBy: null,
        survey: null,
      });
    } else {
      client.transport = transport;
      if (input.clientName) client.name = input.clientName;
      if (input.phone) {
        client.phone = input.phone;
        client.clientPhone = input.phone;
      }
    }
    const dialog = account.dialogs.get(client.dialogId)!;
    let isNewRequest = false;
    if (dialog.state === 'closed' && dialog.survey && at <= dialog.survey.until) {
      // The answer to the satisfaction survey: it belongs to the rating request, which it ends.
      dialog.requestId = dialog.survey.requestId;
      dialog.survey = null;
    } else if (dialog.state === 'closed') {
      // A client writing into a closed dialog starts a new request in the general queue.
      this.openRequest(dialog, at);
      dialog.operatorId = null;
      isNewRequest = true;
      if (this.realism.ratingSurvey) this.emitNewRequest(account, client, dialog, 'common', at);
    }
    if (operatorId !== undefined) dialog.operatorId = operatorId;

    const photo = attachments.find((a) => IMAGE.test(a.url))?.url ?? null;
    const message: MessageState = {
      id: this.nextMessageId++,
      clientId,
      dialogId: dialog.id,
      requestId: dialog.requestId,
      direction: 'in',
      type: 'from_client',
      text,
      transport,
      channelId: client.channelId,
      operatorId: dialog.operatorId,
      at,
      attachments,
      buttons: [],
      pdf: attachments.find((a) => PDF.test(a.url))?.url ?? null,
      attachmentFilename: null,
      coordinates,
      externalId: null,
    };
    this.store(account, client, dialog, message);
    void this.emit(
      account,
      {
        message_id: message.id,
        type: 'from_client',
        text,
        transport,
        client_id: clientId,
        operator_id: dialog.operatorId,
        dialog_id: dialog.id,
        channel_id: client.channelId,
        request_id: dialog.requestId,
        photo,
        video: attachments.find((a) => VIDEO.test(a.url))?.url ?? null,
        audio: attachments.find((a) => AUDIO.test(a.url))?.url ?? null,
        pdf: message.pdf,
        coordinates,
        attachments: attachments.map((a) => this.attachmentItem(a)),
        client: {
          id: clientId,
          phone: client.phone,
          client_phone: client.clientPhone,
          name: client.name,
          assigned_name: null,
          external_id: null,
        },
        is_new_request: isNewRequest,
        is_new_client: isNewClient,
        insta_comment: false,
        extra_data: {},
        event_time: isoTime(at),
        hook_type: 'inbox',
      },
      clientId,
      client.channelId,
    );
    return { messageId: String(message.id), dialogId: String(dialog.id) };
  }

  /** One `attachments[]` item in the shape the `attachmentShape` switch asks for. */
  private attachmentItem(a: MessageState['attachments'][number]): Record<string, unknown> {
    const mimeType = a.contentType ?? null;
    switch (this.realism.attachmentShape ?? 'nameLink') {
      case 'url':
        return { name: a.name, url: a.url, mime_type: mimeType };
      case 'fileUrl':
        return { content_type: mimeType, file: { url: a.url } };
      case 'fileString':
        return { name: a.name, mime_type: mimeType, size: a.size ?? null, file: a.url };
      case 'nameLink':
        return { name: a.name, link: a.url };
    }
  }

  private store(account: Account, client: ClientState, dialog: DialogState, message: MessageState): void {
    account.messages.set(message.id, message);
    client.messages.push(message);
    dialog.messageCount += 1;
    dialog.lastMessageId = message.id;
  }

  /** `POST /v1/messages` (reference §4.1) → §4.2 data; emits `outbox` for messages the client sees. */
  sendMessage(account: Account, body: unknown): Record<string, unknown> {
    if (!isRecord(body))
      throw new SandboxApiError(400, 'Validation error', { body: ['JSON object expected'] });
    const clientId = parseId(body.client_id);
    if (clientId === undefined) throw fieldError('client_id', 'The client id field is required.');
    const client = account.clients.get(clientId);
    if (!client) throw notFound();
    const text = body.text === undefined || body.text === null ? null : body.text;
    if (text !== null && typeof text !== 'string') throw fieldError('text', 'The text must be a string.');
    const attachment = body.attachment ?? null;
    if (attachment !== null && !isHttpUrl(attachment)) throw fieldError('attachment', 'Attachment incorrect');
    const pdf = body.pdf ?? null;
    if (pdf !== null && !isHttpUrl(pdf)) throw fieldError('pdf', 'Pdf incorrect');
    if ((text === null || text.length === 0) && attachment === null && pdf === null) {
      throw fieldError('text', 'The text field is required when attachment / pdf is not present.');
    }
    const type = body.type ?? 'to_client';
    if (typeof type !== 'string' || !['to_client', 'autoreply', 'system', 'comment'].includes(type)) {
      throw fieldError('type', 'The selected type is invalid.');
    }
    const transport = body.transport ?? client.transport;
    if (typeof transport !== 'string' || transport.length === 0) {
      throw fieldError('transport', 'The transport is invalid.');
    }
    const channelId =
      body.channel_id === undefined || body.channel_id === null ? client.channelId : parseId(body.channel_id);
    if (channelId !== client.channelId)
      throw fieldError('channel_id', 'The channel does not belong to the client.');
    let operatorId: number | null = null;
    if (body.operator_id !== undefined && body.operator_id !== null) {
      const id = parseId(body.operator_id);
      if (id === undefined || !OPERATORS.some((o) => o.id === id)) {
        throw new SandboxApiError(404, `operator ${String(body.operator_id)} not found`);
      }
      operatorId = id;
    }
    const filename = body.attachment_filename ?? null;
    if (filename !== null && typeof filename !== 'string') {
      throw fieldError('attachment_filename', 'The attachment filename must be a string.');
    }
    const keyboardRaw = body.keyboard;
    if (keyboardRaw !== undefined && keyboardRaw !== null && !isRecord(keyboardRaw)) {
      throw fieldError('keyboard', 'keyboard must be an object with buttons');
    }
    const buttons = [
      ...parseButtons(
        isRecord(keyboardRaw) ? keyboardRaw.buttons : undefined,
        'keyboard',
        'keyboard.buttons',
      ),
      ...parseButtons(body.inline_buttons, 'inline', 'inline_buttons'),
    ];
    const externalId =
      body.external_id === undefined || body.external_id === null ? null : String(body.external_id);

    const at = this.now();
    const dialog = account.dialogs.get(client.dialogId)!;
    // A comment without an operator is credited to the dialog's current operator (reference §9 row 6).
    if (type === 'comment' && operatorId === null) operatorId = dialog.operatorId;
    if (
      dialog.state === 'closed' &&
      body.open_dialog !== false &&
      (type === 'to_client' || type === 'autoreply')
    ) {
      this.openRequest(dialog, at);
    }
    const attachments: { name: string; url: string }[] = [];
    if (typeof attachment === 'string')
      attachments.push({ name: filename ?? fileName(attachment), url: attachment });
    const message: MessageState = {
      id: this.nextMessageId++,
      clientId,
      dialogId: dialog.id,
      requestId: dialog.requestId,
      direction: 'out',
      type,
      text,
      transport,
      channelId,
      operatorId,
      at,
      attachments,
      buttons,
      pdf: typeof pdf === 'string' ? pdf : null,
      attachmentFilename: filename,
      coordinates: null,
      externalId,
    };
    this.store(account, client, dialog, message);
    if (type === 'to_client' && operatorId !== null) dialog.answeredBy = operatorId;
    if (type === 'to_client' || type === 'autoreply') {
      const echoOperator = this.realism.apiEchoOperatorId ?? 'sent';
      const echoedOperatorId =
        echoOperator === 'omitted'
          ? null
          : (operatorId ?? (echoOperator === 'tokenOwner' ? TOKEN_OWNER_OPERATOR_ID : null));
      const echoExternalId = this.realism.echoExternalId ?? 'extraData';
      this.lastEcho = this.emit(
        account,
        {
          message_id: message.id,
          type,
          text,
          transport,
          client_id: clientId,
          operator_id: echoedOperatorId,
          dialog_id: dialog.id,
          channel_id: channelId,
          request_id: dialog.requestId || null,
          photo: typeof attachment === 'string' && IMAGE.test(attachment) ? attachment : null,
          video: null,
          audio: null,
          pdf: message.pdf,
          coordinates: null,
          attachments: attachments.map((a) => ({ name: a.name, link: a.url })),
          client: {
            id: clientId,
            phone: client.phone,
            client_phone: client.clientPhone,
            name: client.name,
            assigned_name: null,
            external_id: null,
          },
          extra_data: externalId && echoExternalId === 'extraData' ? { external_id: externalId } : {},
          ...(externalId && echoExternalId === 'topLevel' ? { external_id: externalId } : {}),
          event_time: isoTime(at),
          hook_type: 'outbox',
        },
        clientId,
        channelId,
      );
    }
    if ((type === 'to_client' || type === 'autoreply') && this.outsideWhatsAppWindow(client, message)) {
      this.refuse(account, message, WHATSAPP_WINDOW_ERROR);
    }
    return {
      message_id: message.id,
      channel_id: channelId,
      operator_id: operatorId,
      transport,
      type,
      client_id: clientId,
      dialog_id: dialog.id,
      request_id: dialog.requestId || null,
    };
  }

  /** Assigns the dialog to an operator, or (null) leaves it to a group with nobody assigned yet. */
  private assign(account: Account, dialog: DialogState, operatorId: number | null): void {
    const at = this.now();
    if (dialog.state === 'closed') this.openRequest(dialog, at);
    dialog.operatorId = operatorId;
    void this.emit(
      account,
      {
        hook_type: 'dialog_transferred',
        dialog_id: dialog.id,
        client_id: dialog.clientId,
        ...(operatorId === null ? {} : { operator_id: operatorId }),
        event_time: isoTime(at),
      },
      dialog.clientId,
      SANDBOX_CHANNEL_ID,
    );
  }

  /** `GET /v1/messages/{id}/transfer?operator_id=` and `/transfer_to_group?group_id=`. */
  transfer(
    account: Account,
    messageIdText: string,
    target: { operatorId?: string; groupId?: string },
  ): Record<string, unknown> {
    const messageId = parseId(messageIdText);
    const message = messageId === undefined ? undefined : account.messages.get(messageId);
    if (!message) throw new SandboxApiError(404, `message ${messageIdText} not found`);
    let operatorId: number | null;
    if (target.groupId !== undefined) {
      const groupId = parseId(target.groupId);
      const group = OPERATOR_GROUPS.find((g) => g.id === groupId);
      if (!group) throw new SandboxApiError(404, `operator group ${target.groupId} not found`);
      operatorId =
        this.realism.groupTransferAssignee === 'none'
          ? null
          : group.operator_ids[this.groupCursor++ % group.operator_ids.length]!;
    } else {
      const id = parseId(target.operatorId);
      if (id === undefined || !OPERATORS.some((o) => o.id === id)) {
        throw new SandboxApiError(404, `operator ${target.operatorId ?? ''} not found`);
      }
      operatorId = id;
    }
    const dialog = account.dialogs.get(message.dialogId)!;
    this.assign(account, dialog, operatorId);
    return { assignee: operatorId === null ? null : { id: operatorId }, dialog_id: dialog.id };
  }

  dialogById(account: Account, idText: string): DialogState {
    const id = parseId(idText);
    const dialog = id === undefined ? undefined : account.dialogs.get(id);
    if (!dialog) throw notFound();
    return dialog;
  }

  dialogView(account: Account, dialog: DialogState): Record<string, unknown> {
    const last = dialog.lastMessageId === null ? undefined : account.messages.get(dialog.lastMessageId);
    return {
      id: dialog.id,
      state: dialog.state,
      begin: isoTime(dialog.begin),
      end: dialog.end === null ? null : isoTime(dialog.end),
      operator_id: dialog.operatorId,
      client_id: dialog.clientId,
      last_request_id: dialog.requestId || null,
      messages: dialog.messageCount,
      last_message: last
        ? {
            id: last.id,
            text: last.text,
            type: last.type,
            transport: last.transport,
            created: isoTime(last.at),
          }
        : null,
    };
  }

  /** `PUT /v1/dialogs/{id}` {operator_id?, state?}. */
  updateDialog(account: Account, idText: string, body: unknown): DialogState {
    const dialog = this.dialogById(account, idText);
    if (!isRecord(body))
      throw new SandboxApiError(400, 'Validation error', { body: ['JSON object expected'] });
    const state = body.state;
    if (state !== undefined && state !== 'open' && state !== 'closed') {
      throw fieldError('state', 'The selected state is invalid.');
    }
    let operatorId: number | undefined;
    if (body.operator_id !== undefined && body.operator_id !== null) {
      operatorId = parseId(body.operator_id);
      if (operatorId === undefined || !OPERATORS.some((o) => o.id === operatorId)) {
        throw new SandboxApiError(404, `operator ${String(body.operator_id)} not found`);
      }
    }
    if (state !== undefined && state === dialog.state) {
      throw new SandboxApiError(400, `Dialog ${dialog.id} already has state ${state}`);
    }
    if (operatorId !== undefined && operatorId !== dialog.operatorId)
      this.assign(account, dialog, operatorId);
    if (state === 'open') this.openRequest(dialog, this.now());
    if (state === 'closed') this.close(account, dialog);
    return dialog;
  }

  closeDialog(account: Account, idText: string): DialogState {
    const dialog = this.dialogById(account, idText);
    if (dialog.state === 'closed')
      throw new SandboxApiError(400, `Dialog ${dialog.id} already has state closed`);
    this.close(account, dialog);
    return dialog;
  }

  /** `PUT /v1/requests/close` {client_id}: the client's current request ends (the dialog with it). */
  closeRequest(account: Account, body: unknown): DialogState {
    const clientId = isRecord(body) ? parseId(body.client_id) : undefined;
    if (clientId === undefined) throw fieldError('client_id', 'The client id field is required.');
    const client = account.clients.get(clientId);
    if (!client) throw notFound();
    const dialog = account.dialogs.get(client.dialogId)!;
    if (dialog.state === 'closed')
      throw new SandboxApiError(400, `Request of client ${clientId} already has state closed`);
    this.close(account, dialog, ['close_request']);
    return dialog;
  }

  /**
   * Closing a dialog ends its current request too, so both events are emitted (each to the
   * webhooks subscribed to it). With `minimalCloseEvents` each carries only its own id and time.
   */
  private close(
    account: Account,
    dialog: DialogState,
    hooks: ('close_dialog' | 'close_request')[] = ['close_dialog', 'close_request'],
  ): void {
    const at = this.now();
    dialog.state = 'closed';
    dialog.end = at;
    const minimal = this.realism.minimalCloseEvents === true;
    const ids = { dialog_id: dialog.id, client_id: dialog.clientId, operator_id: dialog.operatorId };
    for (const hook of hooks) {
      const event: WebhookEvent =
        hook === 'close_dialog'
          ? minimal
            ? { hook_type: hook, dialog_id: dialog.id, event_time: isoTime(at) }
            : { hook_type: hook, ...ids, event_time: isoTime(at) }
          : minimal
            ? { hook_type: hook, request_id: dialog.requestId, event_time: isoTime(at) }
            : { hook_type: hook, request_id: dialog.requestId, ...ids, event_time: isoTime(at) };
      void this.emit(account, event, dialog.clientId, SANDBOX_CHANNEL_ID);
    }
    if (this.realism.ratingSurvey && dialog.answeredBy !== null) this.startSurvey(account, dialog, at);
  }

  /** The satisfaction survey after an operator's chat is closed: a `rating` request and its question. */
  private startSurvey(account: Account, dialog: DialogState, at: number): void {
    const client = account.clients.get(dialog.clientId);
    if (!client) return;
    dialog.requestId = this.nextRequestId++;
    dialog.answeredBy = null;
    // The rating request is no operator's: the client's answer arrives as from the general queue.
    dialog.operatorId = null;
    dialog.survey = { requestId: dialog.requestId, until: at + SURVEY_ANSWER_MS };
    this.emitNewRequest(account, client, dialog, 'rating', at);
    this.store(account, client, dialog, this.systemLine(client, dialog, SURVEY_TEXT, at));
  }

  private systemLine(client: ClientState, dialog: DialogState, text: string, at: number): MessageState {
    return {
      id: this.nextMessageId++,
      clientId: client.id,
      dialogId: dialog.id,
      requestId: dialog.requestId,
      direction: 'out',
      type: 'system',
      text,
      transport: client.transport,
      channelId: client.channelId,
      operatorId: null,
      at,
      attachments: [],
      buttons: [],
      pdf: null,
      attachmentFilename: null,
      coordinates: null,
      externalId: null,
    };
  }

  /**
   * Inactivity auto-close (`autoCloseIdleMs`): every open dialog whose last message (or opening) is
   * `idleMs` old gets the system line and is closed as an operator's close would be.
   */
  closeIdleDialogs(idleMs: number): void {
    const at = this.now();
    for (const account of this.accounts.values()) {
      for (const dialog of account.dialogs.values()) {
        if (dialog.state !== 'open') continue;
        const last = dialog.lastMessageId === null ? undefined : account.messages.get(dialog.lastMessageId);
        if (at - Math.max(dialog.begin, last?.at ?? 0) < idleMs) continue;
        const client = account.clients.get(dialog.clientId);
        if (client) this.store(account, client, dialog, this.systemLine(client, dialog, AUTO_CLOSE_TEXT, at));
        this.close(account, dialog);
      }
    }
  }

  /** With `whatsappWindowHours`: a WhatsApp client whose own last message is older than the window. */
  private outsideWhatsAppWindow(client: ClientState, message: MessageState): boolean {
    const hours = this.realism.whatsappWindowHours;
    if (hours === undefined || !isWhatsApp(message.transport)) return false;
    const own = client.messages.filter((m) => m.direction === 'in');
    const lastOwn = own[own.length - 1];
    return !lastOwn || message.at - lastOwn.at > hours * 3_600_000;
  }

  /** The messenger refused the message: it stays stored, and `outbox_status` reports the error. */
  private refuse(account: Account, message: MessageState, error: string): void {
    message.deliveryError = error;
    void this.emit(
      account,
      {
        hook_type: 'outbox_status',
        message_id: message.id,
        status: 'error',
        error,
        client_id: message.clientId,
        dialog_id: message.dialogId,
        request_id: message.requestId || null,
        event_time: isoTime(this.now()),
      },
      message.clientId,
      message.channelId,
    );
  }

  /** Test hook `POST /sandbox/messages/{id}/fail` {error}: any message to the client fails. */
  failMessage(account: Account, idText: string, body: unknown): MessageState {
    const id = parseId(idText);
    const message = id === undefined ? undefined : account.messages.get(id);
    if (message?.direction !== 'out') throw new SandboxApiError(404, `message ${idText} not found`);
    const error = isRecord(body) ? body.error : undefined;
    if (error !== undefined && (typeof error !== 'string' || error.length === 0)) {
      throw fieldError('error', 'error must be a non-empty string');
    }
    this.refuse(account, message, error ?? 'Message was not delivered');
    return message;
  }

  /**
   * Test hook `POST /sandbox/clients/{id}/age` {hours}: every message of the client moves that many
   * hours into the past (a client who last wrote long ago, e.g. outside WhatsApp's window).
   */
  ageClient(account: Account, clientIdText: string, body: unknown): ClientState {
    const clientId = parseId(clientIdText);
    const client = clientId === undefined ? undefined : account.clients.get(clientId);
    if (!client) throw notFound();
    const hours = isRecord(body) ? body.hours : undefined;
    if (typeof hours !== 'number' || !Number.isFinite(hours) || hours <= 0) {
      throw fieldError('hours', 'hours must be a positive number');
    }
    for (const message of client.messages) message.at -= hours * 3_600_000;
    return client;
  }

  transcript(account: Account, clientIdText: string): TranscriptEntry[] {
    const clientId = parseId(clientIdText);
    const client = clientId === undefined ? undefined : account.clients.get(clientId);
    if (!client) return [];
    return client.messages.map((m) => ({
      id: String(m.id),
      // A comment is the operators' note: kept in the dialog, never delivered to the client.
      direction: m.type === 'comment' ? 'internal' : m.direction,
      type: m.type,
      text: m.text,
      transport: m.transport,
      operatorId: m.operatorId === null ? null : String(m.operatorId),
      dialogId: String(m.dialogId),
      at: m.at,
      attachments: m.attachments.map((a) => ({ ...a })),
      buttons: m.buttons.map((b) => ({ ...b })),
      pdf: m.pdf,
      attachmentFilename: m.attachmentFilename,
      coordinates: m.coordinates,
      ...(m.deliveryError === undefined ? {} : { deliveryError: m.deliveryError }),
    }));
  }

  /**
   * A client created through the API (`POST /v1/clients`), before any message: its dialog exists,
   * closed, in the general queue. Ids of such clients start at 900000001.
   */
  addClient(account: Account, input: { phone: string; transport: string; channelId: number }): ClientState {
    let id = this.firstApiClientId;
    while (account.clients.has(id)) id += 1;
    const dialogId = this.nextDialogId++;
    const client: ClientState = {
      id,
      name: input.phone,
      phone: input.phone,
      clientPhone: input.phone,
      transport: input.transport,
      channelId: input.channelId,
      dialogId,
      messages: [],
    };
    account.clients.set(id, client);
    account.dialogs.set(dialogId, {
      id: dialogId,
      clientId: id,
      state: 'closed',
      operatorId: null,
      begin: this.now(),
      end: null,
      requestId: 0,
      messageCount: 0,
      lastMessageId: null,
      answeredBy: null,
      survey: null,
    });
    return client;
  }

  clientView(account: Account, client: ClientState): Record<string, unknown> {
    const dialog = account.dialogs.get(client.dialogId)!;
    return {
      id: String(client.id),
      name: client.name,
      transport: client.transport,
      dialogId: String(dialog.id),
      dialogState: dialog.state,
      operatorId: dialog.operatorId === null ? null : String(dialog.operatorId),
      messages: client.messages.length,
    };
  }
}
