/**
 * The `notify` management command: the seed's "Mailing with Notification" (the seed: no; we: yes).
 * Finds the Chat2Desk client by phone (`GET /v1/clients?phone=`) or creates it (`POST /v1/clients`),
 * then queues the replies exactly like `send`. Nothing is created in Chat2Desk before the command,
 * the channel and the account's "write first" option have been checked.
 *
 * The mailed phone is remembered by Chat2Desk itself: the client found or created carries it as
 * its phone, and the client's answer arrives with it in `client.phone`, which the worker maps to
 * `channel_visitor_phone` (the seed's row 5). See docs/MANAGEMENT.md, "notify".
 */
import * as z from 'zod/mini';
import { once } from '../build-once';
import { type Channel, toChatId } from '../domain/channel';
import { c2dIdSchema } from '../domain/ids';
import { MAX_REPLIES_PER_EVENT } from '../domain/reply-limits';
import {
  ChannelInactiveError,
  ConnectorError,
  type FieldIssue,
  NotFoundError,
  ValidationError,
} from '../errors';
import { logger } from '../observability';
import { issuesOf, type SendCommandUseCase, safeParseReplies } from '../outbound/send-command';
import { requestIdSchema } from './caller-key';
import type { AccountClient, AccountInfo, NewClientSpec } from './ports';
import '../zod-en';

/** A client is created on this transport when the command names none (mailings are mostly WhatsApp). */
export const DEFAULT_NOTIFY_TRANSPORT = 'whatsapp';

/** Built on the first `notify` (channel management builds each command's schema on its first use). */
export const notifyCommandSchema = once(() =>
  z.strictObject({
    action: z.literal('notify'),
    channelId: z.string().check(z.trim(), z.minLength(1), z.maxLength(128)),
    phone: z.string().check(z.maxLength(64)),
    transport: z.optional(
      z.string().check(z.regex(/^[a-z][a-z0-9_]{1,31}$/, 'must be a Chat2Desk transport name')),
    ),
    c2dChannelId: z.optional(c2dIdSchema),
    replies: z.array(z.unknown()).check(z.maxLength(MAX_REPLIES_PER_EVENT)),
    /** The caller's key: the same one on this channel within 24 h mails nothing new (docs/MANAGEMENT.md). */
    requestId: z.optional(requestIdSchema()),
  }),
);
export type NotifyCommand = z.output<ReturnType<typeof notifyCommandSchema>>;

export interface NotifyResult {
  ok: true;
  clientId: string;
  chatId: string;
  eventId: string;
  queued: number;
}

/** The account has no "write first" option: Chat2Desk would not deliver a message nobody asked for. */
export class WriteFirstDisabledError extends ConnectorError {
  readonly kind = 'invalid' as const;
  constructor(message: string) {
    super('WRITE_FIRST_DISABLED', message);
  }
}

/** What notify needs of one Chat2Desk account (the account client implements it). */
export interface NotifyAccount {
  apiInfo(): Promise<Pick<AccountInfo, 'writeFirst'>>;
  findClientsByPhone(phone: string): Promise<AccountClient[]>;
  createClient(spec: NewClientSpec): Promise<AccountClient>;
}

export interface NotifyDeps {
  channels: { get(channelId: string): Promise<Channel | undefined> };
  accountFor(channel: Channel): NotifyAccount;
  send: SendCommandUseCase;
}

const PHONE_TEXT = /^\+?[\d\s().-]+$/;

/** "+7 (912) 345-67-89" → "79123456789"; undefined unless 7 to 15 digits (E.164 allows 15). */
export function normalisePhone(phone: string): string | undefined {
  const trimmed = phone.trim();
  if (!PHONE_TEXT.test(trimmed)) return undefined;
  const digits = trimmed.replace(/\D/g, '');
  return digits.length >= 7 && digits.length <= 15 ? digits : undefined;
}

const PHONE_ISSUE = 'must be a phone number: 7 to 15 digits, optionally with +, spaces, dashes or brackets';

function isRejectedPhone(err: unknown): boolean {
  const e = err as { failure?: unknown; message?: unknown } | null;
  return e?.failure === 'rejected' && typeof e.message === 'string' && /\bphone\b/i.test(e.message);
}

export function createNotifyCommand(deps: NotifyDeps) {
  return async (input: Omit<NotifyCommand, 'action' | 'requestId'>): Promise<NotifyResult> => {
    const issues: FieldIssue[] = [];
    const phone = normalisePhone(input.phone);
    if (!phone) issues.push({ path: 'phone', message: PHONE_ISSUE });
    const replies = await safeParseReplies(input.replies);
    if (!replies.success) issues.push(...issuesOf(replies.error, 'replies'));
    if (!phone || !replies.success) throw new ValidationError('invalid notify command', issues);

    const channel = await deps.channels.get(input.channelId);
    if (!channel) throw new NotFoundError(`channel ${input.channelId} does not exist`);
    if (channel.status !== 'active') {
      throw new ChannelInactiveError(`channel ${input.channelId} is not active: activate it before mailing`);
    }
    const account = deps.accountFor(channel);
    const info = await account.apiInfo();
    // Not reported (undefined): let Chat2Desk decide rather than refuse an account that may allow it.
    if (info.writeFirst === false) {
      throw new WriteFirstDisabledError(
        'the Chat2Desk account does not have the "write first" option (write_first_option), so it cannot message a client first; ask Chat2Desk support to enable it',
      );
    }

    const transport = input.transport ?? DEFAULT_NOTIFY_TRANSPORT;
    let client = (await account.findClientsByPhone(phone))[0];
    let created = false;
    if (!client) {
      try {
        client = await account.createClient({
          phone,
          transport,
          ...(input.c2dChannelId !== undefined ? { c2dChannelId: input.c2dChannelId } : {}),
        });
        created = true;
      } catch (err) {
        if (isRejectedPhone(err)) {
          throw new ValidationError('invalid notify command', [
            { path: 'phone', message: `Chat2Desk refused the phone: ${(err as Error).message}` },
          ]);
        }
        throw err;
      }
    }

    const chatId = toChatId(client.id);
    const sent = await deps.send({
      channelId: channel.id,
      chatId,
      replies: replies.data,
      // The client was found or created in this generation's account.
      generation: channel.generation,
      target: {
        ...(input.transport !== undefined || created ? { transport } : {}),
        ...(input.c2dChannelId !== undefined ? { c2dChannelId: input.c2dChannelId } : {}),
      },
    });
    logger.info('notify queued', {
      channelId: channel.id,
      clientId: client.id,
      created,
      queued: sent.queued,
    });
    return { ok: true, clientId: client.id, chatId, eventId: sent.eventId, queued: sent.queued };
  };
}

export type NotifyCommandUseCase = ReturnType<typeof createNotifyCommand>;
