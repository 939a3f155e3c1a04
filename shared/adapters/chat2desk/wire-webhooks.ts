/**
 * Chat2Desk wire shapes of the account endpoints used by channel management:
 * `GET /v1/companies/api_info` and `/v1/webhooks`. Tolerant: unknown fields pass, ids may be
 * numbers or strings, optional fields may be null.
 */
import * as z from 'zod/mini';
import { c2dIdSchema } from '../../domain/ids';
import '../../zod-en';

export const wireApiInfoSchema = z.looseObject({
  companyID: z.nullish(z.union([z.number(), z.string()])),
  company_id: z.nullish(z.union([z.number(), z.string()])),
  company_name: z.nullish(z.string()),
  mode: z.nullish(z.string()),
  company_mode: z.nullish(z.string()),
  requests_this_month: z.nullish(z.union([z.number(), z.string()])),
  /** "write first" (the company may message a client first): a boolean, 0/1 or "0"/"1" in the wild. */
  write_first_option: z.nullish(z.union([z.boolean(), z.number(), z.string()])),
});

const wireWebhookErrorSchema = z.union([
  z.looseObject({ text: z.optional(z.unknown()), created_at: z.optional(z.unknown()) }),
  z.string(),
]);

export const wireWebhookSchema = z.looseObject({
  id: c2dIdSchema,
  name: z.nullish(z.string()),
  url: z.nullish(z.string()),
  events: z.nullish(z.array(z.string())),
  status: z.nullish(z.string()),
  errors: z.nullish(z.array(wireWebhookErrorSchema)),
  channels: z.nullish(z.array(z.unknown())),
});
export type WireWebhook = z.infer<typeof wireWebhookSchema>;

export const wireWebhookListSchema = z.array(wireWebhookSchema);

/** Body of POST /v1/webhooks and PUT /v1/webhooks/{id}. */
export interface WireWebhookBody {
  name: string;
  url: string;
  events: string[];
  status: 'enable' | 'disable';
}
