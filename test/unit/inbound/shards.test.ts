/** The channel → inbound shard function: stable, in range, spread, and one shard means shard 0. */
import fc from 'fast-check';
import { inboundQueueUrlOf, inboundShardOf } from '../../../shared/inbound/shards';

describe('inboundShardOf', () => {
  it('is a fixed function of the id and the count, in range', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), fc.integer({ min: 1, max: 16 }), (id, n) => {
        const shard = inboundShardOf(id, n);
        expect(shard).toBeGreaterThanOrEqual(0);
        expect(shard).toBeLessThan(n);
        expect(inboundShardOf(id, n)).toBe(shard);
      }),
    );
  });

  it('one shard (or a nonsense count) is shard 0', () => {
    expect(inboundShardOf('ch-1', 1)).toBe(0);
    expect(inboundShardOf('ch-1', 0)).toBe(0);
    expect(inboundShardOf('ch-1', Number.NaN)).toBe(0);
  });

  it('spreads channels over the shards', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i += 1) counts[inboundShardOf(`ch-${i}`, 4)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(850);
  });

  it('picks the shard URL, and refuses an empty list', () => {
    const urls = ['q0', 'q1', 'q2'];
    expect(inboundQueueUrlOf('ch-7', urls)).toBe(urls[inboundShardOf('ch-7', 3)]);
    expect(inboundQueueUrlOf('ch-7', ['only'])).toBe('only');
    expect(() => inboundQueueUrlOf('ch-7', [])).toThrow('no inbound queue URL');
  });
});
