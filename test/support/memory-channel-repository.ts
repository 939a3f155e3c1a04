/**
 * An in-memory ChannelRepository for unit tests. It follows the same contract as the DynamoDB
 * store (test/support/channel-repository-contract.ts runs against both): versions checked, the
 * token lock following the status, a stale lock taken over only while its previous owner is not
 * an active channel on that token.
 */
import { TokenInUseError } from '../../shared/channels/errors';
import type { ChannelRepository } from '../../shared/channels/ports';
import type { Channel } from '../../shared/domain/channel';
import { NotFoundError, VersionConflictError } from '../../shared/errors';

export interface MemoryChannelRepository {
  repo: ChannelRepository;
  items: Map<string, Channel>;
  /** token → owner channel id */
  locks: Map<string, string>;
}

export function memoryChannelRepository(): MemoryChannelRepository {
  const items = new Map<string, Channel>();
  const locks = new Map<string, string>();
  const holds = (id: string, token: string) => {
    const c = items.get(id);
    return c !== undefined && c.status === 'active' && c.token === token;
  };
  const repo: ChannelRepository = {
    async get(id) {
      const c = items.get(id);
      return c ? structuredClone(c) : undefined;
    },
    async listByAgent(agentId) {
      return [...items.values()].filter((c) => c.agentId === agentId).map((c) => structuredClone(c));
    },
    async create(channel) {
      if (channel.status !== 'inactive') throw new Error('a new channel is stored inactive, then activated');
      if (items.has(channel.id)) throw new VersionConflictError('exists');
      items.set(channel.id, structuredClone(channel));
    },
    async save(next, previous, options = {}) {
      const stored = items.get(next.id);
      if (!stored) throw new NotFoundError(`channel ${next.id} does not exist`);
      if (stored.version !== previous.version) {
        throw new VersionConflictError('conflict', { expected: previous.version, actual: stored.version });
      }
      const newToken = next.status === 'active' ? next.token : undefined;
      const oldToken = previous.status === 'active' ? previous.token : undefined;
      if (newToken !== undefined) {
        const owner = locks.get(newToken);
        const stale = options.reclaimLockFrom;
        const free = owner === undefined || owner === next.id;
        const reclaimable = owner === stale && stale !== undefined && !holds(stale, newToken);
        if (!free && !reclaimable) throw new TokenInUseError();
      }
      if (oldToken !== undefined && oldToken !== newToken) {
        const owner = locks.get(oldToken);
        if (owner !== undefined && owner !== next.id) {
          throw new TokenInUseError('the token lock of this channel is held by another channel');
        }
        locks.delete(oldToken);
      }
      if (newToken !== undefined) locks.set(newToken, next.id);
      // Like the DynamoDB store: signedSince is the webhook's, kept unless an account change resets it.
      const written = structuredClone(next);
      if (!options.resetSignedSince) {
        if (stored.signedSince === undefined) delete written.signedSince;
        else written.signedSince = stored.signedSince;
      }
      items.set(next.id, written);
    },
    async remove(previous) {
      const stored = items.get(previous.id);
      if (!stored) throw new NotFoundError(`channel ${previous.id} does not exist`);
      if (stored.version !== previous.version) {
        throw new VersionConflictError('conflict', { expected: previous.version, actual: stored.version });
      }
      if (previous.status === 'active') {
        const owner = locks.get(previous.token);
        if (owner !== undefined && owner !== previous.id) {
          throw new TokenInUseError('the token lock of this channel is held by another channel');
        }
        locks.delete(previous.token);
      }
      items.delete(previous.id);
    },
    async tokenLockOwner(token) {
      return locks.get(token);
    },
  };
  return { repo, items, locks };
}
