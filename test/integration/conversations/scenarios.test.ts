/**
 * The conversation scenario table, through the local stack's parts (sandbox → signed webhooks →
 * webhook function → inbound FIFO → worker → agent → outbound FIFO → reply function → sandbox),
 * once per sandbox profile: `classic` (every id in every event) and `minimal` (close events with
 * only their own id, group transfers with no assignee, the echo before the send's response and
 * carrying the API token owner's operator id, no external id in the echo, `{content_type, file}`
 * attachments). Each row asserts what the agent was asked and what the bot wrote in the transcript.
 */
import { BOT_OPERATOR_ID } from '../../../infra/local/sandbox/index';
import { SANDBOX_PROFILES, type SandboxProfileName } from '../../../infra/local/sandbox/realism';
import type { DeliveryRecord, TranscriptEntry } from '../../../infra/local/sandbox/types';
import { drillTimeout, startWorld, type World } from '../../reliability/support/world';

const HUMAN = 1002;
const BOT = String(BOT_OPERATOR_ID);
const SUPPORT_GROUP = 501;

type WorldName = 'closeDialog' | 'closeRequest' | 'botOperator';
const WORLDS: Record<WorldName, { events: string[]; operatorId?: string }> = {
  // A channel of the general queue whose account reports closes as close_dialog only …
  closeDialog: { events: ['inbox', 'outbox', 'dialog_transferred', 'close_dialog'] },
  // … as close_request only …
  closeRequest: { events: ['inbox', 'outbox', 'dialog_transferred', 'close_request'] },
  // … and a channel bound to the bot's operator, with both.
  botOperator: {
    events: ['inbox', 'outbox', 'dialog_transferred', 'close_dialog', 'close_request'],
    operatorId: BOT,
  },
};

/** One client's conversation in one world. */
class Dialog {
  dialogId = '';
  lastMessageId = '';
  /** A new or closed dialog: the operator-bound account assigns the next chat to the bot. */
  private unassigned = true;
  constructor(
    private readonly world: World,
    readonly clientId: string,
    private readonly boundToBot: boolean,
  ) {}

  async write(text: string): Promise<void> {
    const ids = await this.world.sandbox.clientMessage(this.world.token, this.clientId, {
      text,
      // On the operator-bound channel the account assigns new chats to the bot's operator.
      ...(this.boundToBot && this.unassigned ? { operatorId: BOT } : {}),
    });
    this.unassigned = false;
    this.dialogId = ids.dialogId;
    this.lastMessageId = ids.messageId;
  }
  /** Waits until the bot has written `text` to this client. */
  async answered(text: string): Promise<void> {
    await this.world.settle({ until: () => this.botTexts().includes(text), timeoutMs: 45_000 });
  }
  /** Waits until nothing is in flight anywhere (what was sent has been handled). */
  quiet(): Promise<void> {
    return this.world.settle({ timeoutMs: 45_000 });
  }
  async operatorWrites(text: string): Promise<void> {
    const sent = await this.world.api('POST', '/v1/messages', {
      client_id: Number(this.clientId),
      text,
      operator_id: HUMAN,
    });
    expect(sent.status).toBe(200);
  }
  async assign(operatorId: number): Promise<void> {
    expect(
      (await this.world.api('PUT', `/v1/dialogs/${this.dialogId}`, { operator_id: operatorId })).status,
    ).toBe(200);
  }
  async transferToGroup(): Promise<void> {
    const path = `/v1/messages/${this.lastMessageId}/transfer_to_group?group_id=${SUPPORT_GROUP}`;
    expect((await this.world.api('GET', path)).status).toBe(200);
  }
  async closeDialog(): Promise<void> {
    await this.world.sandbox.closeDialog(this.world.token, this.dialogId);
    this.unassigned = true;
  }
  async closeRequest(): Promise<void> {
    expect(
      (await this.world.api('PUT', '/v1/requests/close', { client_id: Number(this.clientId) })).status,
    ).toBe(200);
    this.unassigned = true;
  }
  /** Chat2Desk's late retry of this dialog's last `hookType` event (after SQS's dedup window). */
  async redeliverLast(hookType: string): Promise<void> {
    const mine = this.world.sandbox.deliveries.filter((d) => d.hookType === hookType && this.owns(d));
    const last = mine.at(-1);
    if (!last) throw new Error(`no ${hookType} delivery for client ${this.clientId}`);
    expect(await this.world.lateReplay(last)).toBe(200);
  }
  private owns(delivery: DeliveryRecord): boolean {
    const body = JSON.parse(delivery.body) as Record<string, unknown>;
    if (body.client_id !== undefined) return String(body.client_id) === this.clientId;
    if (body.dialog_id !== undefined) return String(body.dialog_id) === this.dialogId;
    return this.requestIds().has(String(body.request_id));
  }
  private requestIds(): Set<string> {
    const ids = new Set<string>();
    for (const d of this.world.sandbox.deliveries) {
      const body = JSON.parse(d.body) as Record<string, unknown>;
      if (String(body.client_id) === this.clientId && body.request_id) ids.add(String(body.request_id));
    }
    return ids;
  }
  /** What the agent was asked, in order. */
  agentTexts(): string[] {
    return this.world.agent.events
      .filter((e) => e.event.chatId === `${this.clientId}|chat2desk`)
      .map((e) => e.event.clientMessage);
  }
  /** What the bot wrote to the client (not the human operator), in order. */
  botTexts(): string[] {
    return this.world.sandbox
      .transcript(this.world.token, this.clientId)
      .filter((m: TranscriptEntry) => m.direction === 'out' && m.operatorId !== String(HUMAN))
      .map((m) => m.text ?? '');
  }
}

interface Row {
  name: string;
  world: WorldName;
  run(d: Dialog): Promise<void>;
  agent: string[];
  bot: string[];
}

const ROWS: Row[] = [
  {
    name: 'takeover by an operator message',
    world: 'closeDialog',
    async run(d) {
      await d.write('hi');
      await d.answered('echo: hi');
      await d.operatorWrites('Anna here');
      await d.quiet();
      await d.write('are you a bot?');
      await d.quiet();
    },
    agent: ['hi'],
    bot: ['echo: hi'],
  },
  {
    name: 'takeover by a transfer to an operator',
    world: 'closeDialog',
    async run(d) {
      await d.write('hi');
      await d.answered('echo: hi');
      await d.assign(HUMAN);
      await d.quiet();
      await d.write('hello?');
      await d.quiet();
    },
    agent: ['hi'],
    bot: ['echo: hi'],
  },
  {
    name: "takeover by the bot's own transfer reply",
    world: 'closeDialog',
    async run(d) {
      await d.write('operator please');
      await d.answered('Connecting you to a person');
      await d.quiet();
      await d.write('still waiting');
      await d.quiet();
    },
    agent: ['operator please'],
    bot: ['Connecting you to a person'],
  },
  {
    name: 'a transfer to a group with nobody assigned yet',
    world: 'closeDialog',
    async run(d) {
      await d.write('hi');
      await d.answered('echo: hi');
      await d.transferToGroup();
      await d.quiet();
      await d.write('anyone?');
      await d.quiet();
    },
    agent: ['hi'],
    bot: ['echo: hi'],
  },
  {
    name: 'a takeover ended by close_dialog',
    world: 'closeDialog',
    async run(d) {
      await d.write('hi');
      await d.answered('echo: hi');
      await d.operatorWrites('Anna here');
      await d.quiet();
      await d.closeDialog();
      await d.quiet();
      await d.write('back again');
      await d.answered('echo: back again');
    },
    agent: ['hi', 'back again'],
    bot: ['echo: hi', 'echo: back again'],
  },
  {
    name: 'a takeover ended by close_request',
    world: 'closeRequest',
    async run(d) {
      await d.write('hi');
      await d.answered('echo: hi');
      await d.assign(HUMAN);
      await d.quiet();
      await d.closeRequest();
      await d.quiet();
      await d.write('back again');
      await d.answered('echo: back again');
    },
    agent: ['hi', 'back again'],
    bot: ['echo: hi', 'echo: back again'],
  },
  {
    name: "a bot transfer ended by close_request (the request's dialog learned from the client's message)",
    world: 'closeRequest',
    async run(d) {
      await d.write('operator please');
      await d.answered('Connecting you to a person');
      await d.quiet();
      await d.closeRequest();
      await d.quiet();
      await d.write('thanks, one more question');
      await d.answered('echo: thanks, one more question');
    },
    agent: ['operator please', 'thanks, one more question'],
    bot: ['Connecting you to a person', 'echo: thanks, one more question'],
  },
  {
    name: 'out of order: the takeover redelivered after the close does not mute the bot again',
    world: 'closeDialog',
    async run(d) {
      await d.write('hi');
      await d.answered('echo: hi');
      await d.assign(HUMAN);
      await d.quiet();
      await d.closeDialog();
      await d.quiet();
      await d.redeliverLast('dialog_transferred');
      await d.quiet();
      await d.write('back again');
      await d.answered('echo: back again');
    },
    agent: ['hi', 'back again'],
    bot: ['echo: hi', 'echo: back again'],
  },
  {
    name: 'out of order: a close redelivered after a newer takeover does not unmute the bot',
    world: 'closeRequest',
    async run(d) {
      await d.write('hi');
      await d.answered('echo: hi');
      await d.assign(HUMAN);
      await d.quiet();
      await d.closeRequest();
      await d.quiet();
      await d.write('second question');
      await d.answered('echo: second question');
      await d.operatorWrites('Anna again');
      await d.quiet();
      await d.redeliverLast('close_request');
      await d.quiet();
      await d.write('and now?');
      await d.quiet();
    },
    agent: ['hi', 'second question'],
    bot: ['echo: hi', 'echo: second question'],
  },
  {
    name: 'operator-bound channel: a transfer back to the bot operator gives the dialog back',
    world: 'botOperator',
    async run(d) {
      await d.write('hi');
      await d.answered('echo: hi');
      await d.assign(HUMAN);
      await d.quiet();
      await d.write('while with Anna');
      await d.quiet();
      await d.assign(BOT_OPERATOR_ID);
      await d.quiet();
      await d.write('back with the bot');
      await d.answered('echo: back with the bot');
    },
    agent: ['hi', 'back with the bot'],
    bot: ['echo: hi', 'echo: back with the bot'],
  },
  {
    name: 'operator-bound channel: a group transfer with nobody assigned is not back to the bot',
    world: 'botOperator',
    async run(d) {
      await d.write('hi');
      await d.answered('echo: hi');
      await d.transferToGroup();
      await d.quiet();
      await d.write('anyone?');
      await d.quiet();
    },
    agent: ['hi'],
    bot: ['echo: hi'],
  },
];

/** Echo rows run one at a time: Chat2Desk answers the send only 1.5 s after the echo went out. */
const ECHO_ROWS: Row[] = (['closeDialog', 'botOperator'] as const).map((world) => ({
  name: `the echo before the send's response does not mute the bot (${world === 'botOperator' ? 'operator-bound channel' : 'general queue'})`,
  world,
  async run(d) {
    await d.write('first');
    await d.answered('echo: first');
    await d.quiet();
    await d.write('second');
    await d.answered('echo: second');
  },
  agent: ['first', 'second'],
  bot: ['echo: first', 'echo: second'],
}));

describe.each(Object.keys(SANDBOX_PROFILES) as SandboxProfileName[])(
  'conversations, sandbox profile %s',
  (profile) => {
    const worlds = {} as Record<WorldName, World>;
    const results = new Map<string, { agent: string[]; bot: string[] } | { error: unknown }>();

    beforeAll(async () => {
      for (const [name, setup] of Object.entries(WORLDS) as [WorldName, (typeof WORLDS)[WorldName]][]) {
        worlds[name] = await startWorld({
          events: setup.events,
          ...(setup.operatorId ? { operatorId: setup.operatorId } : {}),
          sandbox: { ...SANDBOX_PROFILES[profile] },
        });
        worlds[name].agent.byText('operator please', {
          replies: [
            { type: 'text', text: 'Connecting you to a person' },
            { type: 'transfer', operatorId: String(HUMAN) },
          ],
        });
      }
      const play = async (row: Row, index: number) => {
        const world = worlds[row.world];
        const dialog = new Dialog(world, String(9_100 + index), row.world === 'botOperator');
        try {
          await row.run(dialog);
          results.set(row.name, { agent: dialog.agentTexts(), bot: dialog.botTexts() });
        } catch (error) {
          results.set(row.name, { error });
        }
      };
      await Promise.all(ROWS.map(play));
      for (const [index, row] of ECHO_ROWS.entries()) {
        worlds[row.world].sandbox.faults.inject({
          method: 'POST',
          path: '/v1/messages',
          afterHandling: true,
          delayMs: 1_500,
          times: 1,
        });
        await play(row, ROWS.length + index);
      }
    }, drillTimeout(240_000));

    afterAll(async () => {
      await Promise.all(Object.values(worlds).map((w) => w.stop()));
    });

    test.each([...ROWS, ...ECHO_ROWS].map((row) => [row.name, row] as const))('%s', (_name, row) => {
      const result = results.get(row.name);
      if (!result) throw new Error('the row did not run');
      if ('error' in result) throw result.error;
      expect(result).toEqual({ agent: row.agent, bot: row.bot });
    });

    test('nothing went to a dead-letter queue', async () => {
      for (const world of Object.values(worlds)) {
        expect(await world.depth(world.queues.inboundDlqUrl)).toBe(0);
        expect(await world.depth(world.queues.outboundDlqUrl)).toBe(0);
      }
    });
  },
);
