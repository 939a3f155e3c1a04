/** The operator's status as Chat2Desk reports it (reference §9 rows 4–5), read tolerantly. */
import { operatorStatusOf } from '../../../shared/adapters/chat2desk/wire-account';
import {
  operatorStatusEvent,
  parseWebhookBody,
  type WebhookEvent,
} from '../../../shared/inbound/webhook-event';

const parse = (body: Record<string, unknown>): WebhookEvent => {
  const parsed = parseWebhookBody(JSON.stringify(body));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
};

describe('operatorStatusOf', () => {
  it.each([
    [{ online: 1, offline_type: null }, { online: true }],
    [{ online: '1' }, { online: true }],
    [{ online: true, offline_type: '' }, { online: true }],
    [{ online: 0, offline_type: null }, { online: false }],
    [
      { online: '0', offline_type: 'inactive' },
      { online: false, offlineType: 'inactive' },
    ],
    [
      { online: false, offline_type: 'manual' },
      { online: false, offlineType: 'manual' },
    ],
    // Online with an offline_type set is not "Working" (the production rule, row 5).
    [
      { online: 1, offline_type: 'break' },
      { online: false, offlineType: 'break' },
    ],
    [
      { online: 1, offline_type: 3 },
      { online: false, offlineType: '3' },
    ],
  ])('%j → %j', (wire, status) => {
    expect(operatorStatusOf(wire)).toEqual(status);
  });

  it.each([[{}], [{ online: null }], [{ online: 'yes' }], [{ online: 2 }]])('%j → not reported', (wire) => {
    expect(operatorStatusOf(wire)).toBeUndefined();
  });
});

describe('operatorStatusEvent', () => {
  it('reads the id and the status of operator_status_updated', () => {
    const event = parse({
      hook_type: 'operator_status_updated',
      id: 1001,
      email: 'bot@example.test',
      online: 0,
      offline_type: 'inactive',
      status_id: 2,
      event_time: '2026-01-01T00:00:00Z',
    });
    expect(operatorStatusEvent(event)).toEqual({
      operatorId: '1001',
      online: false,
      offlineType: 'inactive',
    });
  });

  it('says nothing without an id or a readable status', () => {
    expect(operatorStatusEvent(parse({ hook_type: 'operator_status_updated', online: 1 }))).toBeUndefined();
    expect(operatorStatusEvent(parse({ hook_type: 'operator_status_updated', id: 7 }))).toBeUndefined();
  });
});
