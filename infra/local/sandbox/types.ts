/** Public shapes of the Chat2Desk sandbox (see docs/SANDBOX.md). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RealismSwitches } from './realism';

export interface SandboxOptions extends RealismSwitches {
  /** Delays between webhook delivery attempts; Chat2Desk uses 10 s, 5 min, 2 h — compressed here. */
  webhookRetryDelaysMs?: number[];
  /** Sign deliveries with X-Signature/X-Timestamp (default true). */
  signWebhooks?: boolean;
  /**
   * API requests per second and account before 429 "Number of API requests exceeded" (default: no
   * limit); `setRateLimit` sets it for one account.
   */
  rateLimitPerSecond?: number;
  /**
   * A webhook whose deliveries keep failing this long (from the first failure after the last
   * success) is set to `disable`, like Chat2Desk does after 5 h. Default 60 000 ms.
   */
  webhookDisableAfterMs?: number;
  /** Time limit of one delivery attempt (default 5 000 ms). */
  webhookTimeoutMs?: number;
  /** Wait before the first delivery attempt of each event (default 0). */
  webhookDelayMs?: number;
  /** `write_first_option` of every account's api_info (default true); `setWriteFirstOption` per account. */
  writeFirstOption?: boolean;
  /**
   * Start the message, dialog, request and API-client ids past those of any earlier run (default
   * false: the first ids are 100000001, 5000001, 7000001, 900000001). The local stack turns it on
   * when it keeps data, so that a restarted sandbox never reuses an id the connector remembers.
   */
  idsFromClock?: boolean;
}

export interface FaultRule {
  /** Default: any method. */
  method?: string;
  /** Matched against the path after /sandbox, e.g. /^\/v1\/messages$/ (a string must be equal). */
  path: RegExp | string;
  /** HTTP status to answer (with a Chat2Desk error envelope). */
  status?: number;
  /** Overrides the envelope (e.g. {status:'error', message:'Number of API requests exceeded'}). */
  body?: unknown;
  /** e.g. { 'Retry-After': '1' } */
  headers?: Record<string, string>;
  /** Answer after a delay (a timeout from the client's point of view). */
  delayMs?: number;
  /** Answer with this text as it is (not JSON): a garbled or foreign body, e.g. a proxy's page. */
  rawText?: string;
  /** Destroy the socket without answering (network error). */
  hangup?: boolean;
  /** Apply the fault AFTER the request took effect (ambiguous failure). */
  afterHandling?: boolean;
  /** How many matching requests it applies to (default unlimited). */
  times?: number;
}

export interface RecordedRequest {
  /** Arrival, ms since epoch. */
  at: number;
  method: string;
  /** Path after /sandbox, e.g. '/v1/messages'. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** 'acct-<first 8 hex of sha256(token)>'; absent when no token was sent. */
  account?: string;
  /** Status answered; 0 while unanswered or when the socket was destroyed. */
  status: number;
}

export interface SandboxWebhook {
  id: string;
  url: string;
  name: string;
  events: string[];
  status: 'enable' | 'disable';
  channels: number[];
  errors: { text: string; created_at: string }[];
}

export interface ClientMessageInput {
  text?: string;
  attachments?: { name?: string; url: string; contentType?: string; size?: number }[];
  /** 'lat,lon' or {lat, lon}. */
  coordinates?: string | { lat: number; lon: number };
  /** Assign the dialog to this operator before the message arrives (a dialog with a human). */
  operatorId?: string | number;
  /** Default 'telegram'. */
  transport?: string;
  clientName?: string;
  phone?: string;
}

export interface TranscriptButton {
  kind: 'keyboard' | 'inline';
  type: string;
  text: string;
  url?: string;
  payload?: string;
  color?: string;
}

export interface TranscriptEntry {
  id: string;
  /** `internal`: a comment (an operators' note), never delivered to the client. */
  direction: 'in' | 'out' | 'internal';
  /** from_client | to_client | autoreply | system | comment */
  type: string;
  text: string | null;
  transport: string;
  operatorId: string | null;
  dialogId: string;
  /** ms since epoch */
  at: number;
  attachments: { name: string; url: string }[];
  buttons: TranscriptButton[];
  pdf: string | null;
  attachmentFilename: string | null;
  coordinates: string | null;
  /** Why the messenger refused the message (reported by `outbox_status`); absent when delivered. */
  deliveryError?: string;
}

export interface DeliveryRecord {
  at: number;
  url: string;
  webhookId: string;
  hookType: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** HTTP status answered by the receiver. */
  status?: number;
  /** Network error or timeout. */
  error?: string;
  /** The delivered body (the same string on every attempt). */
  body: string;
  timestamp: string;
  signature?: string;
}

export interface Sandbox {
  /** Handles a request whose URL path starts with `/sandbox`. Returns false when the path is not the sandbox's. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  faults: { inject(rule: FaultRule): void; clear(): void };
  /** Every API request (under /sandbox/v1) in arrival order; the token is never stored. */
  requests: RecordedRequest[];
  webhooks(token: string): SandboxWebhook[];
  clientMessage(
    token: string,
    clientId: string,
    input: ClientMessageInput,
  ): Promise<{ messageId: string; dialogId: string }>;
  closeDialog(token: string, dialogId: string): Promise<void>;
  /** Like `POST /sandbox/operators/{id}/status`: lists the new status and emits `operator_status_updated`. */
  setOperatorStatus(
    token: string,
    operatorId: string,
    status: { online: 0 | 1; offline_type?: string | null },
  ): Promise<void>;
  /** Closes the client's current request only (`PUT /v1/requests/close`): emits `close_request`. */
  closeRequest(token: string, clientId: string): Promise<void>;
  transcript(token: string, clientId: string): TranscriptEntry[];
  /** Switches an account's "write first" option (`write_first_option` in api_info). */
  setWriteFirstOption(token: string, enabled: boolean): void;
  /** One account's API rate limit (requests per second), over `rateLimitPerSecond`; `null`: no limit. */
  setRateLimit(token: string, perSecond: number | null): void;
  /** Every webhook delivery attempt. */
  deliveries: DeliveryRecord[];
  /** Resolves when no delivery is pending (queued or waiting for a retry), or rejects after timeoutMs. */
  idle(timeoutMs?: number): Promise<void>;
  /** Cancels retry timers. */
  stop(): Promise<void>;
}
