/**
 * Chat2Desk wire shapes of the account endpoints used by channel management:
 * `GET /v1/companies/api_info` and `/v1/webhooks`. Tolerant: unknown fields pass, ids may be
 * numbers or strings, optional fields may be null.
 */
import { z } from 'zod';
import { c2dIdSchema } from '../../domain/ids';

export const wireApiInfoSchema = z.looseObject({
  companyID: z.union([z.number(), z.string()]).nullish(),
  company_id: z.union([z.number(), z.string()]).nullish(),
  company_name: z.string().nullish(),
  mode: z.string().nullish(),
});

const wireWebhookErrorSchema = z.union([
  z.looseObject({ text: z.unknown().optional(), created_at: z.unknown().optional() }),
  z.string(),
]);

export const wireWebhookSchema = z.looseObject({
  id: c2dIdSchema,
  name: z.string().nullish(),
  url: z.string().nullish(),
  events: z.array(z.string()).nullish(),
  status: z.string().nullish(),
  errors: z.array(wireWebhookErrorSchema).nullish(),
  channels: z.array(z.unknown()).nullish(),
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
