/**
 * A reply never crosses an account change: what was queued for an older generation of the channel
 * is not sent through the account the channel has now (nor through the old one), and the skip is
 * logged with its reason.
 */
import { logger } from '../../../shared/observability';
import { receiveAll } from '../../support/sqs-driver';
import { makeTestToken } from '../../support/tokens';
import { type OutboundWorld, startOutboundWorld } from './harness';

describe('a reply queued before an account change', () => {
  let world: OutboundWorld;
  beforeAll(async () => {
    world = await startOutboundWorld();
  });
  afterAll(async () => {
    await world.close();
  });

  test('a reply of the current generation, and one queued by an older version (no generation), still go out', async () => {
    const target = await world.clientWrites();
    await world.enqueue(target, [{ type: 'text', text: 'current' }], undefined, {
      generation: world.channel.generation,
    });
    await world.enqueue(target, [{ type: 'text', text: 'no generation' }]);
    await world.drain();
    expect(world.received(target.clientId).map((m) => m.text)).toEqual(['current', 'no generation']);
  });

  test('is skipped as OldGeneration: nothing reaches either account', async () => {
    const target = await world.clientWrites();
    const generation = world.channel.generation;
    const queued = await world.enqueue(target, [{ type: 'text', text: 'for the old account' }], undefined, {
      generation,
    });
    expect(queued[0]?.generation).toBe(generation);
    // The channel moves to another account (a new token: a new generation) while the reply waits.
    await world.putChannel({ token: makeTestToken('outbound-new'), generation: generation + 1 });
    const warn = jest.spyOn(logger, 'warn');
    try {
      const before = world.sandbox.requests.length;
      await world.drain();
      expect(world.sandbox.requests.length).toBe(before);
      expect(world.received(target.clientId)).toEqual([]);
      expect(await receiveAll(world.queues.outboundDlqUrl, world.sqs)).toEqual([]);
      expect(warn).toHaveBeenCalledWith(
        'reply skipped',
        expect.objectContaining({ replyId: queued[0]?.replyId, reason: 'OldGeneration' }),
      );
    } finally {
      warn.mockRestore();
    }
  });
});
