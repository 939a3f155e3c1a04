/**
 * Chat2Desk wire shapes of `GET /v1/operators` and `/v1/clients` (reference §5.1, §5.5).
 * Tolerant like the others: unknown fields pass, ids may be numbers or strings, fields may be null.
 */
import * as z from 'zod/mini';
import { c2dIdSchema } from '../../domain/ids';
import '../../zod-en';

export const wireOperatorSchema = z.looseObject({
  id: c2dIdSchema,
  first_name: z.nullish(z.string()),
  last_name: z.nullish(z.string()),
  email: z.nullish(z.string()),
  role: z.nullish(z.string()),
  /** 1/0, "1"/"0" or a boolean (reference §9 row 4); read by `operatorStatusOf`. */
  online: z.optional(z.unknown()),
  /** null while the operator is "Working"; else why it is offline (e.g. "inactive"). */
  offline_type: z.optional(z.unknown()),
});
export const wireOperatorListSchema = z.array(wireOperatorSchema);

export const wireClientSchema = z.looseObject({
  id: c2dIdSchema,
  phone: z.nullish(z.string()),
  client_phone: z.nullish(z.string()),
  name: z.nullish(z.string()),
});
/** `GET /v1/clients?phone=` answers a list; some accounts answer a single object. */
export const wireClientListSchema = z.union([z.array(wireClientSchema), wireClientSchema]);

/** Body of `POST /v1/clients`. */
export interface WireCreateClientBody {
  phone: string;
  transport: string;
  channel_id?: number;
}

/**
 * An operator's status as Chat2Desk reports it in `GET /v1/operators` and `operator_status_updated`:
 * online only when `online` is 1 (number, string or boolean) and no `offline_type` is set
 * (reference §9 rows 4–5). Undefined when `online` is missing or unreadable: no guess.
 */
export function operatorStatusOf(wire: {
  online?: unknown;
  offline_type?: unknown;
}): { online: boolean; offlineType?: string } | undefined {
  const raw = typeof wire.online === 'string' ? wire.online.trim().toLowerCase() : wire.online;
  let online: boolean;
  if (raw === 1 || raw === '1' || raw === true || raw === 'true') online = true;
  else if (raw === 0 || raw === '0' || raw === false || raw === 'false') online = false;
  else return undefined;
  const offlineType =
    typeof wire.offline_type === 'string' && wire.offline_type.trim() !== ''
      ? wire.offline_type.trim()
      : typeof wire.offline_type === 'number'
        ? String(wire.offline_type)
        : undefined;
  return { online: online && offlineType === undefined, ...(offlineType ? { offlineType } : {}) };
}
