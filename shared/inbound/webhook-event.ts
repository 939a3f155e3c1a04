/**
 * A Chat2Desk webhook body as the worker reads it (reference §3.4–3.6), parsed tolerantly:
 * ids as number or string (normalised to strings), nulls and "" as absent, unknown fields kept.
 * Together with map-to-agent-event.ts this is the inbound mapping table: the only code outside
 * `shared/adapters/chat2desk/` that knows Chat2Desk field names.
 */
import * as z from 'zod/mini';
import { optionalC2dIdSchema } from '../domain/ids';
import { operatorStatusOf } from '../domain/operator-status';
import '../zod-en';

/** A text field that may arrive as a number (phones) or null. */
const looseText = z.pipe(
  z.optional(z.union([z.string(), z.number(), z.null()])),
  z.transform((v: string | number | null | undefined) =>
    v === null || v === undefined ? undefined : String(v),
  ),
);

/**
 * A field we read only when it has the expected shape; anything else counts as absent.
 * This is `z.catch(z.optional(schema), undefined)` built directly: `z.catch` refers to `core.util`,
 * which drags zod's whole util namespace (~9 kB minified) into every bundle that parses events.
 */
const tolerant = <T extends z.ZodMiniType>(schema: T) =>
  new z.ZodMiniCatch({
    type: 'catch',
    innerType: z.optional(schema),
    catchValue: () => undefined,
  }) as z.ZodMiniCatch<z.ZodMiniOptional<T>>;

export const webhookClientSchema = z.looseObject({
  id: optionalC2dIdSchema,
  phone: looseText,
  client_phone: looseText,
  name: looseText,
});

const extraDataSchema = z.looseObject({ external_id: looseText });

export const webhookEventSchema = z.looseObject({
  hook_type: z.optional(z.string()),
  type: looseText,
  message_id: optionalC2dIdSchema,
  client_id: optionalC2dIdSchema,
  operator_id: optionalC2dIdSchema,
  dialog_id: optionalC2dIdSchema,
  channel_id: optionalC2dIdSchema,
  request_id: optionalC2dIdSchema,
  text: looseText,
  transport: looseText,
  photo: looseText,
  video: looseText,
  audio: looseText,
  pdf: looseText,
  document: looseText,
  coordinates: looseText,
  /** Our id of a message sent through the API, where Chat2Desk echoes it (top level or in extra_data). */
  external_id: looseText,
  extra_data: tolerant(z.nullable(extraDataSchema)),
  attachments: tolerant(z.array(z.unknown())),
  client: tolerant(z.nullable(webhookClientSchema)),
  event_time: looseText,
  /** `operator_status_updated`: the operator's id, and its status (read by `operatorStatusEvent`). */
  id: optionalC2dIdSchema,
  online: z.optional(z.unknown()),
  offline_type: z.optional(z.unknown()),
});

export type WebhookEvent = z.output<typeof webhookEventSchema>;

export type ParseResult = { ok: true; event: WebhookEvent } | { ok: false; reason: string };

/** Parses the raw body; an unparseable one is invalid (it can never succeed). */
export function parseWebhookBody(rawBody: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, reason: 'body is not a JSON object' };
  }
  const parsed = webhookEventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, event: parsed.data };
}

export interface OperatorStatusEvent {
  operatorId: string;
  online: boolean;
  offlineType?: string;
}

/** What an `operator_status_updated` says (reference §9 rows 4–5); undefined without an id or a readable `online`. */
export function operatorStatusEvent(event: WebhookEvent): OperatorStatusEvent | undefined {
  const status = operatorStatusOf(event);
  if (!event.id || !status) return undefined;
  return { operatorId: event.id, ...status };
}
