/**
 * What the hand-off needs to know about a Chat2Desk account, read through the channel's client and
 * kept a short while per account (at most `ttlMs`, 60 s by default): who is online and in which
 * group, and the account's tags. A hand-over asks often; operators' status changes seldom.
 *
 * Keyed by channel id and generation: one active channel per token (DESIGN §3 inv. 5), and a new
 * generation is a new account, so a key never outlives the account it was read from.
 */
import type { AccountTag, Chat2DeskHandoffCalls, OperatorGroup, OperatorStatus } from './ports';

type Chat2DeskMessagesClient = Pick<
  Chat2DeskHandoffCalls,
  'listOperatorStatuses' | 'listOperatorGroups' | 'listTags'
>;

export const DIRECTORY_CACHE_MS = 60_000;
const MAX_ACCOUNTS = 500;

/** Whose status decides whether a hand-over finds someone: an operator, a group, or anyone but the bot. */
export interface HandoverTarget {
  operatorId?: string;
  groupId?: string;
  /** The bot's own operator: never "someone online" for a hand-over. */
  botOperatorId?: string;
}

export interface AccountDirectory {
  someoneOnline(
    accountKey: string,
    client: Chat2DeskMessagesClient,
    target: HandoverTarget,
  ): Promise<boolean>;
  tags(accountKey: string, client: Chat2DeskMessagesClient): Promise<AccountTag[]>;
}

interface Entry<T> {
  value: Promise<T>;
  atMs: number;
}

export function createAccountDirectory(
  options: { ttlMs?: number; now?: () => number } = {},
): AccountDirectory {
  const ttlMs = options.ttlMs ?? DIRECTORY_CACHE_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry<unknown>>();

  function cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const entry = entries.get(key) as Entry<T> | undefined;
    if (entry && now() - entry.atMs < ttlMs) return entry.value;
    const value = read();
    if (entries.size >= MAX_ACCOUNTS * 3) entries.delete(entries.keys().next().value as string);
    entries.set(key, { value, atMs: now() });
    // A failed read is not kept: the next hand-over asks again.
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    return value;
  }

  const statuses = (key: string, client: Chat2DeskMessagesClient) =>
    cached<OperatorStatus[]>(`${key}|operators`, () => client.listOperatorStatuses());
  const groups = (key: string, client: Chat2DeskMessagesClient) =>
    cached<OperatorGroup[]>(`${key}|groups`, () => client.listOperatorGroups());

  return {
    async someoneOnline(accountKey, client, target) {
      const online = new Set((await statuses(accountKey, client)).filter((o) => o.online).map((o) => o.id));
      if (target.botOperatorId !== undefined) online.delete(target.botOperatorId);
      if (target.operatorId !== undefined) return online.has(target.operatorId);
      if (target.groupId !== undefined) {
        const group = (await groups(accountKey, client)).find((g) => g.id === target.groupId);
        return group?.operatorIds.some((id) => online.has(id)) === true;
      }
      return online.size > 0;
    },
    tags: (accountKey, client) => cached(`${accountKey}|tags`, () => client.listTags()),
  };
}

/** The tag ids named by `wanted` (a tag's name, any case, or its id); the names no tag has. */
export function resolveTags(wanted: string[], tags: AccountTag[]): { ids: string[]; unknown: string[] } {
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const raw of wanted) {
    const name = raw.trim().toLowerCase();
    const tag =
      tags.find((t) => t.name?.trim().toLowerCase() === name) ?? tags.find((t) => t.id === raw.trim());
    if (!tag) unknown.push(raw);
    else if (!ids.includes(tag.id)) ids.push(tag.id);
  }
  return { ids, unknown };
}
