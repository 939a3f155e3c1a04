import { toListedMessage } from '../../../shared/adapters/chat2desk/messages-client';
import { contentDigest } from '../../../shared/conversations/echoes';
import {
  type EarlierSendQuery,
  findEarlierSend,
  type ListedMessage,
} from '../../../shared/outbound/earlier-send';

const T = Date.parse('2026-12-04T10:00:00Z');
const query: EarlierSendQuery = {
  clientId: '42',
  externalId: 'r1~AAAAAAAAAAAA',
  digest: contentDigest({ text: 'Hello there' }),
  firstUnsureAtMs: T,
  afterMessageId: '100',
};
const msg = (over: Partial<ListedMessage>): ListedMessage => ({
  messageId: '101',
  clientId: '42',
  type: 'to_client',
  text: 'Hello there',
  createdAtMs: T - 1_000,
  ...over,
});

describe('findEarlierSend', () => {
  test('a listing with external ids: only ours proves the part is there', () => {
    expect(findEarlierSend([msg({ externalId: 'r1~AAAAAAAAAAAA' })], query)).toMatchObject({ kind: 'found' });
    expect(findEarlierSend([msg({ externalId: 'someone-else' })], query)).toEqual({ kind: 'absent' });
  });

  test('a listing without external ids: same client, content and time are candidates', () => {
    expect(findEarlierSend([msg({})], query)).toMatchObject({ kind: 'candidates', covered: true });
    expect(findEarlierSend([msg({ text: '<p>Hello   there</p>' })], query)).toMatchObject({
      kind: 'candidates',
    });
  });

  test('another client, other content, an inbound message or one older than the window are not', () => {
    for (const other of [
      msg({ clientId: '43' }),
      msg({ text: 'Goodbye' }),
      msg({ type: 'from_client' }),
      msg({ createdAtMs: T - 10 * 60_000 }),
    ]) {
      expect(findEarlierSend([other], query)).toEqual({ kind: 'absent' });
    }
  });

  test('no time to read: a message newer than the answered inbound one is a candidate, an older one is not', () => {
    expect(findEarlierSend([msg({ createdAtMs: undefined })], query)).toMatchObject({ kind: 'candidates' });
    expect(findEarlierSend([msg({ createdAtMs: undefined, messageId: '99' })], query)).toEqual({
      kind: 'absent',
    });
  });

  test("a full page that does not reach back past the first unsure send proves nothing (a busy account's page)", () => {
    const busy = Array.from({ length: 3 }, (_, i) => msg({ messageId: String(200 + i), clientId: '7' }));
    expect(findEarlierSend(busy, query, 3)).toEqual({ kind: 'unknown' });
    const reaching = [
      ...busy.slice(0, 2),
      msg({ messageId: '150', clientId: '7', createdAtMs: T - 600_000 }),
    ];
    expect(findEarlierSend(reaching, query, 3)).toEqual({ kind: 'absent' });
  });
});

describe('toListedMessage', () => {
  test('reads the item tolerantly: ids as numbers, times with or without a zone, files in any shape', () => {
    expect(
      toListedMessage({
        id: 5,
        client_id: 42,
        type: 'to_client',
        text: 'hi',
        external_id: 'x~y',
        created: '2026-12-04T10:00:00',
        attachments: [{ name: 'a.pdf', link: 'https://files.example/a.pdf' }],
      }),
    ).toEqual({
      messageId: '5',
      clientId: '42',
      type: 'to_client',
      text: 'hi',
      externalId: 'x~y',
      fileUrl: 'https://files.example/a.pdf',
      createdAtMs: T,
    });
    expect(toListedMessage({ id: 6, created: '2026-12-04 10:00:00 UTC' })?.createdAtMs).toBe(T);
    expect(toListedMessage({ id: 7, created: 'yesterday' })).toEqual({ messageId: '7' });
    expect(toListedMessage({ text: 'no id' })).toBeUndefined();
  });
});
