/** Routing of webhook bodies onto the inbound queue: which events get a second, takeover copy. */
import { inboundQueueRouting } from '../../../shared/adapters/sqs/inbound-queue';
import { ownExternalId } from '../../../shared/conversations/own-external-id';

const CHANNEL = 'ch-routing';
const KEY = 'server-key-routing';
const outbox = (extra: Record<string, unknown>) => ({
  hook_type: 'outbox',
  message_id: 501,
  client_id: 77,
  dialog_id: 88,
  type: 'to_client',
  operator_id: 12,
  ...extra,
});
const route = (body: Record<string, unknown>) =>
  inboundQueueRouting(CHANNEL, body, JSON.stringify(body), KEY);

describe('takeover copies', () => {
  test('an outbox written by a human, or one without an external id, gets the takeover copy', () => {
    expect(route(outbox({})).takeoverGroupId).toBeDefined();
    expect(route(outbox({ extra_data: { external_id: 'crm-4711' } })).takeoverGroupId).toBeDefined();
    expect(
      route({ hook_type: 'dialog_transferred', dialog_id: 88, client_id: 77 }).takeoverGroupId,
    ).toBeDefined();
  });

  test('the echo of our own message (our external id, top level or in extra_data) is queued once', () => {
    expect(route(outbox({ external_id: `${CHANNEL}:ev-1:0` })).takeoverGroupId).toBeUndefined();
    expect(
      route(outbox({ extra_data: { external_id: `${CHANNEL}:ev-1:0#1` } })).takeoverGroupId,
    ).toBeUndefined();
    expect(
      route(outbox({ extra_data: { external_id: ownExternalId(KEY, CHANNEL, 'send:9f2c:0') } }))
        .takeoverGroupId,
    ).toBeUndefined();
    // A bare `send:` prefix proves nothing: another integration of the account may use it.
    expect(route(outbox({ extra_data: { external_id: 'send:9f2c' } })).takeoverGroupId).toBeDefined();
    // Another channel's id is not ours.
    expect(route(outbox({ external_id: 'ch-other:ev-1:0' })).takeoverGroupId).toBeDefined();
  });

  test('an inbox never gets one', () => {
    expect(route({ hook_type: 'inbox', message_id: 1, client_id: 77 }).takeoverGroupId).toBeUndefined();
  });
});
