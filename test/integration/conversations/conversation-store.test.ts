/**
 * The conversation store against DynamoDB Local: transitions land in event-time order whatever
 * order they are written in, events that name only a request or only a dialog find their
 * conversation through the links other events taught, a close of a request not yet linked waits
 * for the link.
 */
import fc from 'fast-check';
import { createConversationStore, stateOf } from '../../../shared/adapters/dynamodb/conversation-store';
import { statusOf, TRANSITION_RANK } from '../../../shared/conversations/conversation';
import { createTestTable, type TestTable, testDocumentClient } from '../../support/aws';
import { transitionArb } from '../../support/conversation-arbitraries';

describe('conversation store', () => {
  let table: TestTable;
  let store: ReturnType<typeof createConversationStore>;
  const T = Date.parse('2026-11-26T10:00:00Z');

  beforeAll(async () => {
    table = await createTestTable();
    store = createConversationStore({
      client: testDocumentClient(),
      tableName: table.name,
      ownMessageTtlSeconds: 3600,
    });
  });
  afterAll(() => table.drop());

  it('a takeover marks the dialog, a later close releases it', async () => {
    await store.transition('ch', 'd1', { to: 'human', reason: 'transferred', atMs: T });
    expect((await store.find('ch', { dialogId: 'd1' }))?.status).toEqual({
      state: 'human',
      reason: 'transferred',
      atMs: T,
      rank: 2,
    });
    await store.transition('ch', 'd1', { to: 'closed', reason: 'dialogClosed', atMs: T + 1000 });
    expect(stateOf(await store.find('ch', { dialogId: 'd1' }))).toBe('closed');
  });

  it('an older takeover written after a newer close does not mute the bot again', async () => {
    await store.transition('ch', 'd2', { to: 'closed', reason: 'requestClosed', atMs: T + 5000 });
    await store.transition('ch', 'd2', { to: 'human', reason: 'operatorMessage', atMs: T });
    expect(stateOf(await store.find('ch', { dialogId: 'd2' }))).toBe('closed');
  });

  it('an older close written after a newer takeover does not unmute the bot', async () => {
    await store.transition('ch', 'd3', { to: 'human', reason: 'transferred', atMs: T + 5000 });
    await store.transition('ch', 'd3', { to: 'closed', reason: 'dialogClosed', atMs: T });
    expect(stateOf(await store.find('ch', { dialogId: 'd3' }))).toBe('human');
  });

  it('in the same millisecond a close wins over a takeover, in either order', async () => {
    await store.transition('ch', 'd4', { to: 'closed', reason: 'dialogClosed', atMs: T });
    await store.transition('ch', 'd4', { to: 'human', reason: 'operatorMessage', atMs: T });
    await store.transition('ch', 'd5', { to: 'human', reason: 'operatorMessage', atMs: T });
    await store.transition('ch', 'd5', { to: 'closed', reason: 'dialogClosed', atMs: T });
    expect(stateOf(await store.find('ch', { dialogId: 'd4' }))).toBe('closed');
    expect(stateOf(await store.find('ch', { dialogId: 'd5' }))).toBe('closed');
  });

  it('events of one dialog written concurrently, in any order, leave the state of the latest', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(transitionArb, { minLength: 1, maxLength: 8 }), async (events) => {
        run += 1;
        const dialogId = `p${run}`;
        await Promise.all(events.map((e) => store.transition('ch', dialogId, e)));
        const latest = events.reduce((a, b) =>
          b.atMs > a.atMs || (b.atMs === a.atMs && TRANSITION_RANK[b.reason] > TRANSITION_RANK[a.reason])
            ? b
            : a,
        );
        expect((await store.find('ch', { dialogId }))?.status).toEqual(statusOf(latest));
      }),
      { numRuns: 30 },
    );
  });

  it('links learned from one event let an event with only a request or only a client find the dialog', async () => {
    expect(await store.find('ch', { requestId: 'r6' })).toBeUndefined();
    const learned = await store.resolve('ch', { dialogId: 'd6', requestId: 'r6', clientId: 'c6' });
    expect(learned).toEqual({ dialogId: 'd6', requestId: 'r6', clientId: 'c6' });
    expect((await store.find('ch', { requestId: 'r6' }))?.dialogId).toBe('d6');
    expect((await store.find('ch', { clientId: 'c6' }))?.dialogId).toBe('d6');
    // Another channel knows nothing of it.
    expect(await store.find('other', { clientId: 'c6' })).toBeUndefined();
  });

  it('a close of a known request closes its dialog; of an unknown one it waits for the link', async () => {
    await store.resolve('ch', { dialogId: 'd7', requestId: 'r7', clientId: 'c7' });
    await store.transition('ch', 'd7', { to: 'human', reason: 'operatorMessage', atMs: T });
    expect(await store.closeRequest('ch', 'r7', T + 10)).toBe('d7');
    expect(stateOf(await store.find('ch', { dialogId: 'd7' }))).toBe('closed');

    // The close overtakes every event that names the request with its dialog.
    expect(await store.closeRequest('ch', 'r8', T + 10)).toBeUndefined();
    await store.transition('ch', 'd8', { to: 'human', reason: 'transferred', atMs: T });
    const resolved = await store.resolve('ch', { dialogId: 'd8', requestId: 'r8', clientId: 'c8' });
    expect(resolved?.status?.state).toBe('closed');
    expect(stateOf(await store.find('ch', { dialogId: 'd8' }))).toBe('closed');
  });

  it('send intents are found by client and digest', async () => {
    await store.recordIntent('ch', { clientId: 'c10', digest: 'abc', externalId: 'ch:x:0', atMs: T }, 60_000);
    expect(await store.findIntent('ch', 'c10', 'abc')).toEqual({
      clientId: 'c10',
      digest: 'abc',
      externalId: 'ch:x:0',
      atMs: T,
    });
    expect(await store.findIntent('ch', 'c11', 'abc')).toBeUndefined();
  });

  it("an intent is its part's claim: held against the same part, free for another reply, a release or a stale claim", async () => {
    const part = { clientId: 'c12', digest: 'd12', externalId: 'ch:r12:0', atMs: T };
    expect(await store.recordIntent('ch', part, 60_000)).toEqual({ held: false });
    // The same part again 5 s later (the record handled twice at once): held for the rest.
    expect(await store.recordIntent('ch', { ...part, atMs: T + 5_000 }, 60_000)).toEqual({
      held: true,
      retryInMs: 55_000,
    });
    // Another reply with the same text for the same client takes the record over.
    const other = { ...part, externalId: 'ch:r13:0', atMs: T + 6_000 };
    expect(await store.recordIntent('ch', other, 60_000)).toEqual({ held: false });
    expect((await store.findIntent('ch', 'c12', 'd12'))?.externalId).toBe('ch:r13:0');
    // Released after a failed send: a retry may claim it at once.
    await store.releaseIntent('ch', other);
    expect(await store.recordIntent('ch', { ...other, atMs: T + 7_000 }, 60_000)).toEqual({ held: false });
    // A claim older than the hold (its holder died) is free.
    expect(await store.recordIntent('ch', { ...other, atMs: T + 7_000 + 60_001 }, 60_000)).toEqual({
      held: false,
    });
    // A release of a claim that was taken over meanwhile changes nothing.
    await store.releaseIntent('ch', other);
    expect(await store.recordIntent('ch', { ...other, atMs: T + 7_000 + 60_002 }, 60_000)).toMatchObject({
      held: true,
    });
  });

  it('keeps the numbered list the bot left open beside the state, until it is removed', async () => {
    const offer = {
      atMs: T,
      buttons: [
        { number: 1, label: 'Yes', payload: 'Y' },
        { number: 2, label: 'No' },
      ],
    };
    await store.resolve('ch', { dialogId: 'd20', clientId: 'c20', requestId: 'r20' });
    await store.setButtonOffer('ch', 'd20', offer);
    await store.transition('ch', 'd20', { to: 'human', reason: 'operatorMessage', atMs: T + 1000 });
    const kept = await store.resolve('ch', { clientId: 'c20' });
    expect(kept).toMatchObject({
      dialogId: 'd20',
      requestId: 'r20',
      buttonOffer: offer,
      status: { state: 'human' },
    });
    await store.setButtonOffer('ch', 'd20', undefined);
    const after = await store.find('ch', { dialogId: 'd20' });
    expect(after?.buttonOffer).toBeUndefined();
    expect(after?.clientId).toBe('c20');
  });
});
