import { ownExternalId, replyIdOfExternalId } from '../../../shared/conversations/own-external-id';
import { classifyEvent } from '../../../shared/inbound/classify';
import { deliveryStatusOf } from '../../../shared/inbound/delivery-status';
import { parseWebhookBody, type WebhookEvent } from '../../../shared/inbound/webhook-event';

function parse(body: Record<string, unknown>): WebhookEvent {
  const result = parseWebhookBody(JSON.stringify(body));
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

describe('outbox_status (a messenger’s report on a message to the client)', () => {
  it('is classified as a delivery status, not skipped by its name', () => {
    expect(classifyEvent(parse({ hook_type: 'outbox_status', message_id: 5 }))).toEqual({
      kind: 'deliveryStatus',
    });
  });

  it.each([
    [
      { status: 'error', error: 'outside the 24 h window' },
      { failed: true, reason: 'outside the 24 h window' },
    ],
    [
      { status: 'ERROR', error_text: 'blocked' },
      { failed: true, reason: 'blocked' },
    ],
    [
      { state: 'failed', reason: 'no such user' },
      { failed: true, reason: 'no such user' },
    ],
    [
      { delivery_status: 'undelivered', errors: [{ code: 131047, message: 'Re-engagement' }] },
      { failed: true, reason: 'Re-engagement' },
    ],
    [
      { message_status: 'rejected', error: { message: 'spam' } },
      { failed: true, reason: 'spam' },
    ],
    [{ error_message: 'timeout' }, { failed: true, reason: 'timeout' }],
    [{ status: 'error' }, { failed: true }],
    [{ status: 'delivered' }, { failed: false }],
    [{ status: 'read', error: null }, { failed: false }],
    [{ status: 'sent', error: '' }, { failed: false }],
    [{}, { failed: false }],
  ])('%j reads as %j', (fields, expected) => {
    expect(deliveryStatusOf(parse({ hook_type: 'outbox_status', message_id: '5', ...fields }))).toEqual(
      expected,
    );
  });

  it('keeps a long error text short in the log', () => {
    const status = deliveryStatusOf(
      parse({ hook_type: 'outbox_status', status: 'error', error: 'x'.repeat(5000) }),
    );
    expect(status.reason).toHaveLength(300);
  });

  it('finds the reply id in our external ids only', () => {
    const key = 'server-key';
    expect(replyIdOfExternalId(key, 'ch1', ownExternalId(key, 'ch1', 'ch1:inbox:77:0'))).toBe(
      'ch1:inbox:77:0',
    );
    expect(replyIdOfExternalId(key, 'ch1', ownExternalId(key, 'ch1', 'ch1:inbox:77:0#2'))).toBe(
      'ch1:inbox:77:0',
    );
    expect(replyIdOfExternalId(key, 'ch1', ownExternalId(key, 'ch1', 'send:abc'))).toBe('send:abc');
    // Made before the MAC: still ours when it starts with our channel id.
    expect(replyIdOfExternalId(key, 'ch1', 'ch1:inbox:77:0#2')).toBe('ch1:inbox:77:0');
    // Another channel's, another key's, or a bare send: prefix is not ours.
    expect(replyIdOfExternalId(key, 'ch1', ownExternalId(key, 'ch2', 'ch2:inbox:77:0'))).toBeUndefined();
    expect(replyIdOfExternalId(key, 'ch1', ownExternalId('other-key', 'ch1', 'send:abc'))).toBeUndefined();
    expect(replyIdOfExternalId(key, 'ch1', 'send:abc')).toBeUndefined();
    expect(replyIdOfExternalId(key, 'ch1', 'ch2:inbox:77:0')).toBeUndefined();
    expect(replyIdOfExternalId(key, 'ch1', undefined)).toBeUndefined();
  });
});
