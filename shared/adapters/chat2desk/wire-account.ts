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

export { operatorStatusOf } from '../../domain/operator-status';
