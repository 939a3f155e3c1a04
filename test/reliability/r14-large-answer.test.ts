/**
 * R14 an answer too large to store as it is: the agent answers 5 texts of 40,000 Cyrillic
 * characters (≈ 400 KB of UTF-8, past DynamoDB's 400 KB item limit for the dedup record that keeps
 * the answer, and past SQS's 256 KiB per SendMessageBatch) → the agent is called exactly once and
 * every part reaches the client, also when the record is delivered again.
 */
import type { Reply } from '../../shared/domain/reply';
import { figure, startWorld, type World } from './support/world';

const PARTS = 5;
const CHARS = 40_000;
const LETTERS = 'абвгдеёжзийклмнопрстуфхцчшщъыьэюя';

/** `letters` pseudo-random Cyrillic letters in words of 1–8 (repeatable, not trivially compressible). */
function cyrillicText(seed: number, letters: number): string {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state >> 8;
  };
  const words: string[] = [];
  for (let left = letters; left > 0; ) {
    const length = Math.min(left, 1 + (next() % 8));
    words.push(Array.from({ length }, () => LETTERS[next() % LETTERS.length]).join(''));
    left -= length;
  }
  return words.join(' ');
}

describe('R14 a very large agent answer', () => {
  let world: World;
  const replies: Reply[] = Array.from({ length: PARTS }, (_, i) => ({
    type: 'text',
    text: cyrillicText(i + 1, CHARS),
  }));
  beforeAll(async () => {
    world = await startWorld({ events: ['inbox'], agent: { defaultAnswer: () => ({ replies }) } });
  });
  afterAll(async () => {
    await world?.stop();
  });

  test(`${PARTS} × ${CHARS} Cyrillic characters → one agent call, every part delivered`, async () => {
    const { messageId } = await world.clientWrites('14001', 'tell me everything');
    const bytes = Buffer.byteLength(JSON.stringify(replies));
    const compact = (s: string) => s.replace(/\s+/g, '');
    const expected = compact(replies.map((r) => (r.type === 'text' ? r.text : '')).join(''));
    const delivered = () =>
      compact(
        world
          .botMessages('14001')
          .map((m) => m.text ?? '')
          .join(''),
      );
    await world.settle({ until: () => delivered().length >= expected.length, timeoutMs: 90_000 });

    // Chat2Desk's retry of the same message after SQS's dedup window: the stored answer, no call.
    const delivery = world.sandbox.deliveries.find((d) => d.hookType === 'inbox');
    expect(await world.lateReplay(delivery!)).toBe(200);
    await world.settle({ timeoutMs: 60_000 });

    const calls = world.agent.events.length;
    figure(
      `R14 large answer: parts=${PARTS} chars=${CHARS} answerBytes=${bytes} agentCalls=${calls} botMessages=${world.botMessages('14001').length} inboundDLQ=${await world.depth(world.queues.inboundDlqUrl)} messageId=${messageId}`,
    );
    expect(bytes).toBeGreaterThan(400_000);
    expect(calls).toBe(1);
    expect(delivered()).toBe(expected);
    expect(await world.depth(world.queues.inboundDlqUrl)).toBe(0);
    expect(await world.depth(world.queues.outboundDlqUrl)).toBe(0);
  }, 180_000);
});
