/**
 * The management results (DESIGN §4.1) as zod schemas, for the published contracts in
 * docs/contracts/ (scripts/contracts.ts). The use cases build these values as plain TypeScript;
 * the type assertions at the end keep the schemas and those types equal, so a field added to one
 * and not the other fails `npm run typecheck`.
 */
import * as z from 'zod/mini';
import type { ActivationReport, ActivationWarning, CheckResult } from '../channels/activation-checks';
import { CHECK_NAMES } from '../channels/activation-checks';
import type { ChannelListResult, ChannelResult } from '../channels/channel-use-cases';
import type { NotifyResult } from '../channels/notify';
import type { ChannelView } from '../domain/channel';
import type { ErrorResult } from '../errors';
import type { SendResult } from '../outbound/send-command';
import '../zod-en';

export const channelViewSchema = z.strictObject({
  id: z.string(),
  agentId: z.string(),
  type: z.literal('chat2desk'),
  name: z.string(),
  apiUrl: z.string(),
  /** Masked: `••••` and the last four characters. */
  token: z.string().check(z.regex(/^••••/)),
  operatorId: z.optional(z.string()),
  serviceMessages: z.boolean(),
  requireSignature: z.boolean(),
  /** Present once a signed delivery was seen: unsigned ones are refused since then. */
  signedSince: z.optional(z.string()),
  status: z.enum(['inactive', 'active']),
  webhookUrl: z.string(),
  version: z.number().check(z.int(), z.positive()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const checkResultSchema = z.strictObject({
  name: z.enum(CHECK_NAMES),
  ok: z.boolean(),
  reason: z.optional(z.string()),
});

export const activationWarningSchema = z.strictObject({
  code: z.string(),
  message: z.string(),
});

export const activationReportSchema = z.strictObject({
  activated: z.boolean(),
  applied: z.boolean(),
  checks: z.array(checkResultSchema),
  warnings: z.optional(z.array(activationWarningSchema)),
});

export const channelResultSchema = z.strictObject({
  ok: z.literal(true),
  channel: channelViewSchema,
  activation: z.optional(activationReportSchema),
});

export const channelListResultSchema = z.strictObject({
  ok: z.literal(true),
  channels: z.array(channelViewSchema),
});

export const sendResultSchema = z.strictObject({
  ok: z.literal(true),
  queued: z.number().check(z.int(), z.positive()),
  eventId: z.string(),
});

export const notifyResultSchema = z.strictObject({
  ok: z.literal(true),
  clientId: z.string(),
  chatId: z.string(),
  eventId: z.string(),
  queued: z.number().check(z.int(), z.positive()),
});

export const errorResultSchema = z.strictObject({
  ok: z.literal(false),
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    details: z.optional(z.unknown()),
  }),
});

export const managementResultSchema = z.union([
  channelResultSchema,
  channelListResultSchema,
  sendResultSchema,
  notifyResultSchema,
  errorResultSchema,
]);

/** Mutual assignability: the schema's output and the hand-written type describe the same values. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typesAgree: [
  Same<z.output<typeof channelViewSchema>, ChannelView>,
  Same<z.output<typeof checkResultSchema>, CheckResult>,
  Same<z.output<typeof activationWarningSchema>, ActivationWarning>,
  Same<z.output<typeof activationReportSchema>, ActivationReport>,
  Same<z.output<typeof channelResultSchema>, ChannelResult>,
  Same<z.output<typeof channelListResultSchema>, ChannelListResult>,
  Same<z.output<typeof sendResultSchema>, SendResult>,
  Same<z.output<typeof notifyResultSchema>, NotifyResult>,
  Same<z.output<typeof errorResultSchema>, ErrorResult>,
] = [true, true, true, true, true, true, true, true, true];
void typesAgree;
