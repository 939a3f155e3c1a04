/** The hand-off replies: what the contract accepts, how they render, and the account directory's cache. */

import { demoReplies } from '../../../infra/local/demo-agent';
import { toCommentBody, toSendMessageBody } from '../../../shared/adapters/chat2desk/messages-client';
import { type AgentEvent, agentResponseSchema } from '../../../shared/domain/agent-contract';
import { createAccountDirectory, resolveTags } from '../../../shared/outbound/account-directory';
import type { AccountTag, OperatorGroup, OperatorStatus } from '../../../shared/outbound/ports';
import { renderReply } from '../../../shared/outbound/render/render-reply';

function reasonOf(reply: unknown): string | undefined {
  const parsed = agentResponseSchema.safeParse({ replies: [reply] });
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `${issue.path.join('.')}: ${issue.message}`;
}

describe('the reply contract', () => {
  test.each([
    [
      {
        type: 'transfer',
        note: 'VIP',
        whenOffline: 'stay',
        offlineText: 'Back at 9',
        closePhrases: ['back to bot'],
        returnText: 'Hi again',
      },
    ],
    [{ type: 'close' }],
    [{ type: 'close', text: 'Bye' }],
    [{ type: 'tags', tags: ['vip', '301'] }],
    [{ type: 'tags', tags: ['vip'], target: 'client' }],
    [{ type: 'client', name: 'Maria' }],
    [{ type: 'client', customFields: { '7': 'gold' } }],
  ])('accepts %j', (reply) => {
    expect(reasonOf(reply)).toBeUndefined();
  });

  test.each([
    [{ type: 'transfer', whenOffline: 'wait' }, /^replies\.0\.whenOffline: /],
    [{ type: 'transfer', note: '' }, /^replies\.0\.note: /],
    [{ type: 'transfer', closePhrases: [] }, /^replies\.0\.closePhrases: /],
    [{ type: 'transfer', closePhrases: ['  '] }, /^replies\.0\.closePhrases\.0: /],
    [{ type: 'close', text: '' }, /^replies\.0\.text: /],
    [{ type: 'tags', tags: [] }, /^replies\.0\.tags: /],
    [{ type: 'tags', tags: ['vip'], target: 'dialog' }, /^replies\.0\.target: /],
    [{ type: 'client' }, /a client reply needs name, comment or customFields/],
    [{ type: 'client', customFields: { color: 'red' } }, /^replies\.0\.customFields/],
    [{ type: 'client', name: 7 }, /^replies\.0\.name: /],
  ])('refuses %j with a reason naming the field', (reply, reason) => {
    expect(reasonOf(reply)).toMatch(reason);
  });
});

describe('rendering the hand-off replies', () => {
  test('a transfer: text, note, online check, offline text, offline event, then the transfer', () => {
    expect(
      renderReply(
        {
          type: 'transfer',
          groupId: '501',
          text: 'One moment',
          note: 'Refund',
          whenOffline: 'stay',
          offlineText: 'Nobody *in*',
          closePhrases: ['back to bot'],
          returnText: 'Hi again',
        },
        'telegram',
      ),
    ).toEqual([
      { kind: 'message', text: 'One moment' },
      { kind: 'note', text: 'Refund' },
      { kind: 'onlineCheck', groupId: '501' },
      { kind: 'message', text: 'Nobody in', onlyWhen: 'offline' },
      { kind: 'offlineEvent', onlyWhen: 'offline' },
      {
        kind: 'transfer',
        groupId: '501',
        onlyWhen: 'online',
        handoff: { closePhrases: ['back to bot'], returnText: 'Hi again' },
      },
    ]);
  });

  test('a plain transfer renders as before', () => {
    expect(renderReply({ type: 'transfer', operatorId: '1002' }, 'telegram')).toEqual([
      { kind: 'transfer', operatorId: '1002' },
    ]);
  });

  test('close, tags (request by default, each once) and client', () => {
    expect(renderReply({ type: 'close', text: 'Bye' }, 'widget')).toEqual([
      { kind: 'message', text: 'Bye' },
      { kind: 'close' },
    ]);
    expect(renderReply({ type: 'tags', tags: ['vip', 'vip', 'lead'] }, undefined)).toEqual([
      { kind: 'tags', tags: ['vip', 'lead'], target: 'request' },
    ]);
    expect(renderReply({ type: 'client', name: 'Maria', customFields: { '7': 'gold' } }, undefined)).toEqual([
      { kind: 'clientCard', name: 'Maria', customFields: { '7': 'gold' } },
    ]);
  });
});

describe('the account directory', () => {
  function fakeClient(statuses: OperatorStatus[], groups: OperatorGroup[], tags: AccountTag[] = []) {
    const calls = { operators: 0, groups: 0, tags: 0 };
    return {
      calls,
      statuses,
      client: {
        async listOperatorStatuses() {
          calls.operators += 1;
          return statuses.map((s) => ({ ...s }));
        },
        async listOperatorGroups() {
          calls.groups += 1;
          return groups;
        },
        async listTags() {
          calls.tags += 1;
          return tags;
        },
      },
    };
  }

  test('someone online: the operator, a member of the group, or anyone but the bot', async () => {
    const fake = fakeClient(
      [
        { id: '1001', online: true },
        { id: '1002', online: false },
        { id: '1003', online: true },
      ],
      [
        { id: '501', operatorIds: ['1002'] },
        { id: '502', operatorIds: ['1002', '1003'] },
      ],
    );
    const directory = createAccountDirectory();
    expect(await directory.someoneOnline('a', fake.client, { operatorId: '1002' })).toBe(false);
    expect(await directory.someoneOnline('a', fake.client, { operatorId: '1003' })).toBe(true);
    expect(await directory.someoneOnline('a', fake.client, { groupId: '501' })).toBe(false);
    expect(await directory.someoneOnline('a', fake.client, { groupId: '502' })).toBe(true);
    expect(await directory.someoneOnline('a', fake.client, { groupId: '999' })).toBe(false);
    expect(await directory.someoneOnline('a', fake.client, { botOperatorId: '1001' })).toBe(true);
    fake.statuses[2]!.online = false;
    // Still the cached view: one read of each list for all the questions above.
    expect(fake.calls).toEqual({ operators: 1, groups: 1, tags: 0 });
  });

  test('kept at most the cache time per account; a failed read is not kept', async () => {
    let now = 0;
    const fake = fakeClient([{ id: '1002', online: true }], []);
    const directory = createAccountDirectory({ ttlMs: 60_000, now: () => now });
    expect(await directory.someoneOnline('a', fake.client, {})).toBe(true);
    fake.statuses[0]!.online = false;
    now = 59_999;
    expect(await directory.someoneOnline('a', fake.client, {})).toBe(true);
    expect(await directory.someoneOnline('b', fake.client, {})).toBe(false);
    now = 60_000;
    expect(await directory.someoneOnline('a', fake.client, {})).toBe(false);
    expect(fake.calls.operators).toBe(3);

    let fail = true;
    const flaky = {
      ...fake.client,
      async listOperatorStatuses() {
        if (fail) throw new Error('Chat2Desk is down');
        return [{ id: '1002', online: true }];
      },
    };
    await expect(directory.someoneOnline('c', flaky, {})).rejects.toThrow('down');
    fail = false;
    expect(await directory.someoneOnline('c', flaky, {})).toBe(true);
  });

  test('tags by name (any case) or id; unknown names listed', () => {
    const tags = [
      { id: '301', name: 'vip' },
      { id: '302', name: 'Complaint' },
    ];
    expect(resolveTags(['VIP', 'complaint', '301', 'nope', '999'], tags)).toEqual({
      ids: ['301', '302'],
      unknown: ['nope', '999'],
    });
  });
});

describe('wire bodies and the demo agent', () => {
  test('a note is a comment that never reopens the dialog; the return text keeps a closed dialog closed', () => {
    expect(toCommentBody({ clientId: '42', operatorId: '1001' }, 'Refund', 'ext-1')).toEqual({
      client_id: 42,
      type: 'comment',
      text: 'Refund',
      open_dialog: false,
      operator_id: 1001,
      external_id: 'ext-1',
    });
    expect(toCommentBody({ clientId: '42' }, 'Refund', 'ext-1')).not.toHaveProperty('operator_id');
    expect(
      toSendMessageBody({ clientId: '42' }, { kind: 'message', text: 'Hi', openDialog: false }, 'e'),
    ).toMatchObject({
      open_dialog: false,
    });
    expect(toSendMessageBody({ clientId: '42' }, { kind: 'message', text: 'Hi' }, 'e')).not.toHaveProperty(
      'open_dialog',
    );
  });

  test.each([
    '/handoff',
    '/handoff 1002',
    '/handoff group 501',
    '/close',
    '/tag vip',
    '/name Maria',
    'c2d: no operators online',
  ])('the demo agent answers %s with replies the contract accepts', (text) => {
    const event: AgentEvent = {
      eventId: 'e',
      channel: { id: 'ch', type: 'chat2desk' },
      chatId: '1|chat2desk',
      clientMessage: text,
      attachments: [],
      variables: {},
    };
    const replies = demoReplies(event, 'http://127.0.0.1/agent');
    expect(replies.length).toBeGreaterThan(0);
    expect(agentResponseSchema.safeParse({ replies }).success).toBe(true);
  });
});
