/**
 * R12 A large backlog on one account never walks a reply into the DLQ: a throttled record reserves
 * its send slots in the account's schedule and comes back when they are due, so it spends a bounded
 * number of receives however deep the backlog is (docs/DEPLOY.md, "Slot reservations").
 *
 * Scaled (docs/RELIABILITY.md, R12): the figure is 2,000 replies on one account limited to
 * 5/s with 20 reply pollers and maxReceiveCount 8. Here: R12_REPLIES (default 100) replies at 5/s,
 * 20 pollers, maxReceiveCount 4 and a slot wait of at most 2 s per receive
 * (CHAT2DESK_RATE_LIMIT_MAX_WAIT_MS), slack 600 ms (slots 320 ms apart, as R11 on this machine), so a
 * record's receives cover ~8 s of the ~32 s backlog:
 * without reservations the tail of the backlog runs out of receives. `R12_REPLIES=2000` runs the
 * full size (≥ 400 s).
 */

import { type OutboundWorld, startOutboundWorld } from '../integration/outbound/harness';
import { receiveAll } from '../support/sqs-driver';
import { drillTimeout, figure } from './support/world';

const LIMIT = 5;
const REPLIES = Number(process.env.R12_REPLIES ?? 100);
/** 4 for the scaled drill; `R12_MAX_RECEIVE_COUNT=8` gives the full size the deployment's receives. */
const MAX_RECEIVE_COUNT = Number(process.env.R12_MAX_RECEIVE_COUNT ?? 4);

describe('R12 a deep backlog on one account', () => {
  let world: OutboundWorld;
  beforeAll(async () => {
    world = await startOutboundWorld({
      sandbox: { rateLimitPerSecond: LIMIT },
      env: {
        CHAT2DESK_RATE_LIMIT_PER_SECOND: String(LIMIT),
        CHAT2DESK_RATE_LIMIT_MAX_WAIT_MS: '2000',
        // This shared machine's event loop adds up to ~400 ms between a slot and its arrival at the
        // sandbox (as in R11): the slack keeps the sandbox's strict 5/s from answering 429.
        CHAT2DESK_RATE_LIMIT_SLACK_MS: '600',
        // The deployment's default: a send slowed by this busy machine is not taken for a lost answer.
        CHAT2DESK_TIMEOUT_MS: '10000',
      },
      queues: { maxReceiveCount: MAX_RECEIVE_COUNT },
      requeue: true,
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  test(
    `${REPLIES} replies at ${LIMIT}/s, 20 pollers, maxReceiveCount ${MAX_RECEIVE_COUNT} → all delivered once, DLQ empty`,
    async () => {
      const targets = [];
      for (let i = 0; i < REPLIES; i += 1) targets.push(await world.clientWrites('telegram', `q${i}`));
      for (const [i, target] of targets.entries()) {
        await world.enqueue(target, [{ type: 'text', text: `answer ${i}` }]);
      }
      const started = Date.now();
      await world.drain({
        concurrency: 20,
        visibilityTimeout: 30,
        timeoutMs: REPLIES * 640 + 30_000,
      });
      const elapsed = Date.now() - started;
      const dead = await receiveAll(world.queues.outboundDlqUrl, world.sqs);
      const delivered = targets.filter((t) => world.received(t.clientId).length === 1).length;
      const missing = targets.filter((t) => world.received(t.clientId).length === 0).length;
      const throttled = world.sandbox.requests.filter((r) => r.status === 429).length;
      figure(
        `R12 backlog: replies=${REPLIES} limit=${LIMIT}/s pollers=20 maxReceiveCount=${MAX_RECEIVE_COUNT} deliveredOnce=${delivered} missing=${missing} dlq=${dead.length} chat2desk429=${throttled} elapsedMs=${elapsed}`,
      );
      expect(dead).toEqual([]);
      expect(delivered).toBe(REPLIES);
      expect(world.acceptedSends()).toHaveLength(REPLIES);
    },
    // Setup (a client and a reply each) plus the drain at 320 ms a slot, with room for this busy machine.
    drillTimeout(REPLIES * 900 + 90_000),
  );
});
