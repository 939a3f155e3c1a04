/**
 * An `outbox_status` webhook: a messenger's report on a message sent to the client (reference §9
 * rows 14, 16). Its body is not documented, so it is read tolerantly: the status and the error
 * under a few plausible names; a report with an error text and no status counts as a failure.
 */
import type { WebhookEvent } from './webhook-event';

const STATUS_FIELDS = ['status', 'state', 'delivery_status', 'message_status'] as const;
const ERROR_FIELDS = ['error', 'error_text', 'error_message', 'errors', 'reason', 'description'] as const;
const FAILED = /^(error|failed|fail|failure|undelivered|not_delivered|rejected)$/i;
/** At most this much of the messenger's error text goes into a log line. */
const MAX_REASON_CHARS = 300;

export interface DeliveryStatus {
  failed: boolean;
  /** The messenger's error text, when there is one. */
  reason?: string;
}

function firstText(event: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = event[name];
    const text = Array.isArray(value) ? value.map(describe).filter(Boolean).join('; ') : describe(value);
    if (text) return text;
  }
  return undefined;
}

function describe(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    const inner = value as Record<string, unknown>;
    return describe(inner.message ?? inner.text ?? inner.title ?? inner.code);
  }
  return undefined;
}

export function deliveryStatusOf(event: WebhookEvent): DeliveryStatus {
  const body = event as Record<string, unknown>;
  const status = firstText(body, STATUS_FIELDS);
  const reason = firstText(body, ERROR_FIELDS)?.slice(0, MAX_REASON_CHARS);
  const failed = status === undefined ? reason !== undefined : FAILED.test(status);
  return failed ? { failed, ...(reason ? { reason } : {}) } : { failed };
}
