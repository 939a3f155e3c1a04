/**
 * The ChannelRepository contract, one suite for every implementation: the DynamoDB store
 * (test/integration/channels/channel-store-contract.test.ts) and the in-memory repository of the
 * unit tests (test/unit/channels/memory-repository-contract.test.ts). A behaviour the unit tests
 * rely on is a behaviour the real store has.
 */
import { TokenInUseError } from '../../shared/channels/errors';
import type { ChannelRepository } from '../../shared/channels/ports';
import type { Channel } from '../../shared/domain/channel';
import { NotFoundError, VersionConflictError } from '../../shared/errors';
import { testChannel } from './channels';
import { makeTestToken } from './tokens';

export interface RepositoryUnderTest {
  repo: ChannelRepository;
  /** Writes a lock item for `token` naming `ownerId`, as a crash or an old version could leave it. */
  plantLock(token: string, ownerId: string): Promise<void>;
  /** What the webhook function does on the first signed delivery of a generation. */
  markSigned(channelId: string, generation: number, at: string): Promise<void>;
}

const inactive = (overrides: Partial<Channel> = {}) =>
  testChannel({
    status: 'inactive',
    generation: 0,
    agentId: `agent-contract-${Math.random()}`,
    ...overrides,
  });

const activated = (c: Channel, patch: Partial<Channel> = {}): Channel => ({
  ...c,
  status: 'active',
  generation: c.generation + 1,
  version: c.version + 1,
  ...patch,
});
const deactivated = (c: Channel): Channel => ({ ...c, status: 'inactive', version: c.version + 1 });

export function channelRepositoryContract(name: string, setup: () => Promise<RepositoryUnderTest>): void {
  describe(`ChannelRepository contract: ${name}`, () => {
    let t: RepositoryUnderTest;
    beforeAll(async () => {
      t = await setup();
    });

    it('stores a new channel inactive; reads it back; lists it by agent', async () => {
      const c = inactive();
      await t.repo.create(c);
      expect(await t.repo.get(c.id)).toEqual(c);
      expect((await t.repo.listByAgent(c.agentId)).map((x) => x.id)).toEqual([c.id]);
      expect(await t.repo.get('no-such-channel')).toBeUndefined();
      await expect(t.repo.create(activated(inactive()))).rejects.toThrow();
    });

    it('a save against another version than stored is a VersionConflictError; a gone channel NotFoundError', async () => {
      const c = inactive();
      await t.repo.create(c);
      const renamed = { ...c, name: 'renamed', version: 2 };
      await t.repo.save(renamed, c);
      await expect(t.repo.save({ ...c, name: 'late', version: 2 }, c)).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      await t.repo.remove(renamed);
      await expect(t.repo.save({ ...renamed, version: 3 }, renamed)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('the lock follows the status: taken on activation, moved with the token, released on deactivation and removal', async () => {
      const token = makeTestToken('contract');
      const other = makeTestToken('contract-other');
      const c = inactive({ token });
      await t.repo.create(c);
      const on = activated(c);
      await t.repo.save(on, c);
      expect(await t.repo.tokenLockOwner(token)).toBe(c.id);
      const moved = { ...on, token: other, version: on.version + 1 };
      await t.repo.save(moved, on);
      expect(await t.repo.tokenLockOwner(token)).toBeUndefined();
      expect(await t.repo.tokenLockOwner(other)).toBe(c.id);
      const off = deactivated(moved);
      await t.repo.save(off, moved);
      expect(await t.repo.tokenLockOwner(other)).toBeUndefined();
      const again = activated(off);
      await t.repo.save(again, off);
      await t.repo.remove(again);
      expect(await t.repo.tokenLockOwner(other)).toBeUndefined();
    });

    it('a token held by another active channel cannot be taken; nothing is written', async () => {
      const token = makeTestToken('contract-held');
      const a = inactive({ token });
      const b = inactive({ token });
      await t.repo.create(a);
      await t.repo.create(b);
      await t.repo.save(activated(a), a);
      await expect(t.repo.save(activated(b), b)).rejects.toBeInstanceOf(TokenInUseError);
      expect(await t.repo.get(b.id)).toEqual(b);
      expect(await t.repo.tokenLockOwner(token)).toBe(a.id);
    });

    it('a stale lock (its owner inactive or gone) is taken over when named', async () => {
      const token = makeTestToken('contract-stale');
      const a = inactive({ token });
      await t.repo.create(a);
      await t.plantLock(token, a.id);
      const b = inactive({ token });
      await t.repo.create(b);
      await expect(t.repo.save(activated(b), b)).rejects.toBeInstanceOf(TokenInUseError);
      await t.repo.save(activated(b), b, { reclaimLockFrom: a.id });
      expect(await t.repo.tokenLockOwner(token)).toBe(b.id);

      const gone = makeTestToken('contract-gone');
      await t.plantLock(gone, 'deleted-channel');
      const c = inactive({ token: gone });
      await t.repo.create(c);
      await t.repo.save(activated(c), c, { reclaimLockFrom: 'deleted-channel' });
      expect(await t.repo.tokenLockOwner(gone)).toBe(c.id);
    });

    it('a save never removes the signedSince set after its read; only resetSignedSince writes it', async () => {
      const c = inactive();
      await t.repo.create(c);
      const read = (await t.repo.get(c.id)) as Channel;
      await t.markSigned(c.id, c.generation, '2026-12-01T10:00:00.000Z');
      const renamed = { ...read, name: 'renamed', version: 2 };
      await t.repo.save(renamed, read);
      const on = activated(renamed);
      await t.repo.save(on, renamed);
      const off = deactivated(on);
      await t.repo.save(off, on);
      expect(await t.repo.get(c.id)).toMatchObject({
        name: 'renamed',
        signedSince: '2026-12-01T10:00:00.000Z',
      });
      // A save that carries another value does not move it either.
      await t.repo.save({ ...off, signedSince: '2026-01-01T00:00:00.000Z', version: 5 }, off);
      expect((await t.repo.get(c.id))?.signedSince).toBe('2026-12-01T10:00:00.000Z');
      // The deliberate reset (account change): stored exactly as given.
      const moved = { ...off, apiUrl: 'https://other.example', version: 6 };
      delete moved.signedSince;
      await t.repo.save(moved, { ...off, version: 5 }, { resetSignedSince: true });
      expect((await t.repo.get(c.id))?.signedSince).toBeUndefined();
    });

    it('no reclaim race: when the stale owner activates again before the take-over, the take-over fails', async () => {
      const token = makeTestToken('contract-race');
      const a = inactive({ token });
      const b = inactive({ token });
      await t.repo.create(a);
      await t.repo.create(b);
      await t.plantLock(token, a.id);
      // B's checks saw a stale lock of A (A inactive) and will name A as the stale owner. Before
      // B writes, A activates again: its own lock is "free" to it.
      const aOn = activated(a);
      await t.repo.save(aOn, a);
      await expect(t.repo.save(activated(b), b, { reclaimLockFrom: a.id })).rejects.toBeInstanceOf(
        TokenInUseError,
      );
      expect((await t.repo.get(b.id))?.status).toBe('inactive');
      expect(await t.repo.tokenLockOwner(token)).toBe(a.id);
      // And A can still be deactivated (its lock is its own).
      await t.repo.save(deactivated(aOn), aOn);
      expect(await t.repo.tokenLockOwner(token)).toBeUndefined();
    });
  });
}
