/**
 * R6 token uniqueness under a race: 50 inactive channels share one Chat2Desk token; all 50 are
 * activated at the same moment through the management function → exactly 1 active, the token
 * lock names it, one webhook registered. Repeated ROUNDS times (the winner is deactivated in
 * between, so every round races for a free lock). Also: no management response carries the token.
 */

import { channelOf, type Harness, startHarness } from '../integration/channels/harness';
import { makeTestToken, TEST_TOKEN_MARKER } from '../support/tokens';
import { drillTimeout, figure, scaled } from './support/world';

const PARALLEL = 50;
const ROUNDS = scaled(3);

describe('R6 parallel activations', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  test(
    `${PARALLEL} parallel activations with one token × ${ROUNDS} rounds → exactly 1 active each round`,
    async () => {
      const token = makeTestToken('r6');
      const created = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) =>
          h.run({
            action: 'create',
            agentId: 'agent-r6',
            channel: { name: `r6 ${i}`, apiUrl: h.sandbox.apiUrl, token },
          }),
        ),
      );
      const ids = created.map((r) => channelOf(r).channel.id);
      const activePerRound: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const results = await Promise.all(
          ids.map((channelId) => h.run({ action: 'update', channelId, changes: {}, activate: true })),
        );
        const winners = results.map((r) => channelOf(r).channel).filter((c) => c.status === 'active');
        const listed = await h.run({ action: 'list', agentId: 'agent-r6' });
        if (!listed.ok || !('channels' in listed)) throw new Error('list failed');
        const active = listed.channels.filter((c) => c.status === 'active');
        activePerRound.push(active.length);
        expect(winners).toHaveLength(1);
        expect(active.map((c) => c.id)).toEqual([winners[0]!.id]);
        expect(await h.lockOwner(token)).toBe(winners[0]!.id);
        expect(h.sandbox.sandbox.webhooks(token)).toHaveLength(1);
        // Free the lock for the next round.
        channelOf(await h.run({ action: 'deactivate', channelId: winners[0]!.id }));
        expect(await h.lockOwner(token)).toBeUndefined();
      }
      const leaks = h.responses.filter((r) => r.includes(token) || r.includes(TEST_TOKEN_MARKER)).length;
      figure(
        `R6 activation race: parallel=${PARALLEL} rounds=${ROUNDS} activePerRound=[${activePerRound.join(',')}] responses=${h.responses.length} tokenInResponses=${leaks}`,
      );
      expect(activePerRound.every((n) => n === 1)).toBe(true);
      expect(leaks).toBe(0);
    },
    drillTimeout(120_000),
  );
});
