/**
 * The sandbox's realism switches (docs/SANDBOX.md), each against a real receiver: the event
 * shapes under each setting, and the way a person picks them (profile, SANDBOX_* variables).
 */
import { realismFromEnv, SANDBOX_PROFILES } from '../../../infra/local/sandbox/realism';
import { api, sandboxWithReceiver } from './receiver';

const sandbox = sandboxWithReceiver([
  'inbox',
  'outbox',
  'close_dialog',
  'close_request',
  'dialog_transferred',
]);
const { start, bodies } = sandbox;

describe('close events', () => {
  test.each([
    [
      false,
      ['client_id', 'dialog_id', 'event_time', 'hook_type', 'operator_id'],
      ['client_id', 'dialog_id', 'event_time', 'hook_type', 'operator_id', 'request_id'],
    ],
    [true, ['dialog_id', 'event_time', 'hook_type'], ['event_time', 'hook_type', 'request_id']],
  ])(
    'minimalCloseEvents %s: a dialog close emits close_dialog and close_request with these fields',
    async (minimal, dialogKeys, requestKeys) => {
      const { token, s } = await start({ minimalCloseEvents: minimal });
      const { dialogId } = await s.sandbox.clientMessage(token, '501', { text: 'hi' });
      await s.sandbox.closeDialog(token, dialogId);
      await s.sandbox.idle();
      expect(Object.keys(bodies('close_dialog')[0] ?? {}).sort()).toEqual(dialogKeys);
      expect(Object.keys(bodies('close_request')[0] ?? {}).sort()).toEqual(requestKeys);
      const inbox = bodies('inbox')[0]!;
      expect(bodies('close_dialog')[0]?.dialog_id).toBe(Number(dialogId));
      expect(bodies('close_request')[0]?.request_id).toBe(inbox.request_id);
    },
  );

  test('PUT /v1/requests/close ends the request only: close_request, and the next message opens a new one', async () => {
    const { token, s } = await start({});
    await s.sandbox.clientMessage(token, '502', { text: 'hi' });
    const closed = await api(s.apiUrl, token, 'PUT', '/v1/requests/close', { client_id: 502 });
    expect(closed.status).toBe(200);
    expect((await api(s.apiUrl, token, 'PUT', '/v1/requests/close', { client_id: 502 })).status).toBe(400);
    expect((await api(s.apiUrl, token, 'PUT', '/v1/requests/close', {})).status).toBe(400);
    await s.sandbox.clientMessage(token, '502', { text: 'again' });
    await s.sandbox.idle();
    expect(sandbox.receiver().received.map((r) => r.body.hook_type)).toEqual([
      'inbox',
      'close_request',
      'inbox',
    ]);
    const [first, second] = bodies('inbox');
    expect(second?.request_id).not.toBe(first?.request_id);
    expect(second?.dialog_id).toBe(first?.dialog_id);
  });
});

test.each([
  ['immediate', true],
  ['none', false],
] as const)('groupTransferAssignee %s: a group transfer names an assignee: %s', async (mode, assigned) => {
  const { token, s } = await start({ groupTransferAssignee: mode });
  const { messageId } = await s.sandbox.clientMessage(token, '503', { text: 'hi' });
  const res = await api(s.apiUrl, token, 'GET', `/v1/messages/${messageId}/transfer_to_group?group_id=501`);
  expect(res.status).toBe(200);
  await s.sandbox.idle();
  const transferred = bodies('dialog_transferred')[0]!;
  expect('operator_id' in transferred).toBe(assigned);
  expect((res.body.data as { assignee: unknown }).assignee === null).toBe(!assigned);
  expect((await api(s.apiUrl, token, 'GET', `/v1/dialogs/${transferred.dialog_id}`)).body.data).toMatchObject(
    {
      operator_id: assigned ? expect.any(Number) : null,
    },
  );
});

describe('the echo of an API message', () => {
  test.each([
    ['sent', undefined, null],
    ['sent', 1001, 1001],
    ['omitted', 1001, null],
    ['tokenOwner', undefined, 1003],
    ['tokenOwner', 1001, 1001],
  ] as const)(
    'apiEchoOperatorId %s, sent with operator %s → echo operator_id %s',
    async (mode, sentOperator, echoed) => {
      const { token, s } = await start({ apiEchoOperatorId: mode });
      await s.sandbox.clientMessage(token, '504', { text: 'hi' });
      const sent = await api(s.apiUrl, token, 'POST', '/v1/messages', {
        client_id: 504,
        text: 'hello',
        ...(sentOperator ? { operator_id: sentOperator } : {}),
      });
      expect(sent.status).toBe(200);
      await s.sandbox.idle();
      expect(bodies('outbox')[0]?.operator_id).toBe(echoed);
    },
  );

  test.each([
    ['extraData', { extra_data: { external_id: 'ours-1' } }],
    ['topLevel', { external_id: 'ours-1', extra_data: {} }],
    ['none', { extra_data: {} }],
  ] as const)('echoExternalId %s', async (mode, expected) => {
    const { token, s } = await start({ echoExternalId: mode });
    await s.sandbox.clientMessage(token, '505', { text: 'hi' });
    await api(s.apiUrl, token, 'POST', '/v1/messages', {
      client_id: 505,
      text: 'hello',
      external_id: 'ours-1',
    });
    await s.sandbox.idle();
    const echo = bodies('outbox')[0]!;
    expect(echo).toMatchObject(expected);
    if (mode !== 'topLevel') expect('external_id' in echo).toBe(false);
  });

  test.each([
    [false, 'after'],
    [true, 'before'],
  ])(
    'echoBeforeResponse %s: the echo reaches the receiver %s the send is answered',
    async (before, order) => {
      const { token, s } = await start({ echoBeforeResponse: before, webhookDelayMs: 150 });
      await s.sandbox.clientMessage(token, '506', { text: 'hi' });
      await s.sandbox.idle();
      await api(s.apiUrl, token, 'POST', '/v1/messages', { client_id: 506, text: 'hello' });
      const echoedAtAnswer = bodies('outbox').length;
      await s.sandbox.idle();
      expect(bodies('outbox')).toHaveLength(1);
      expect(echoedAtAnswer).toBe(order === 'before' ? 1 : 0);
    },
  );
});

test.each([
  ['nameLink', { name: 'clip', link: 'https://files.example.com/v/1' }],
  ['url', { name: 'clip', url: 'https://files.example.com/v/1', mime_type: 'video/mp4' }],
  ['fileUrl', { content_type: 'video/mp4', file: { url: 'https://files.example.com/v/1' } }],
  ['fileString', { name: 'clip', mime_type: 'video/mp4', size: 2048, file: 'https://files.example.com/v/1' }],
] as const)('attachmentShape %s', async (shape, item) => {
  const { token, s } = await start({ attachmentShape: shape });
  await s.sandbox.clientMessage(token, '507', {
    attachments: [
      { name: 'clip', url: 'https://files.example.com/v/1', contentType: 'video/mp4', size: 2048 },
    ],
  });
  await s.sandbox.idle();
  expect(bodies('inbox')[0]?.attachments).toEqual([item]);
});

describe('picking switches for npm start', () => {
  test('a profile, then single variables over it', () => {
    expect(realismFromEnv({})).toEqual({});
    expect(realismFromEnv({}, 'minimal')).toEqual(SANDBOX_PROFILES.minimal);
    expect(realismFromEnv({ SANDBOX_PROFILE: 'minimal', SANDBOX_ECHO_BEFORE_RESPONSE: 'false' })).toEqual({
      ...SANDBOX_PROFILES.minimal,
      echoBeforeResponse: false,
    });
    expect(
      realismFromEnv({ SANDBOX_ATTACHMENT_SHAPE: 'fileString', SANDBOX_MINIMAL_CLOSE_EVENTS: 'true' }),
    ).toEqual({
      attachmentShape: 'fileString',
      minimalCloseEvents: true,
    });
  });
  test('anything else is refused with the name and the allowed values', () => {
    expect(() => realismFromEnv({}, 'realistic')).toThrow(
      'sandbox profile "realistic" is unknown: use classic or minimal',
    );
    expect(() => realismFromEnv({ SANDBOX_GROUP_TRANSFER_ASSIGNEE: 'later' })).toThrow(
      'SANDBOX_GROUP_TRANSFER_ASSIGNEE=later is not one of immediate, none',
    );
  });
});
