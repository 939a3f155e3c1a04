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
import type { ClientMessageInput, DeliveryRecord, TranscriptEntry } from '../../../infra/local/sandbox/types';
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

  async write(text: string, attachments?: ClientMessageInput['attachments']): Promise<void> {
    const ids = await this.world.sandbox.clientMessage(this.world.token, this.clientId, {
      text,
      ...(attachments ? { attachments } : {}),
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
  /** Writes `text` and waits for the bot's echo of it. */
  async asks(text: string): Promise<void> {
    await this.write(text);
    await this.answered(`echo: ${text}`);
  }
  /** Waits until nothing is in flight anywhere (what was sent has been handled). Every action below ends with it. */
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
    await this.quiet();
  }
  async assign(operatorId: number): Promise<void> {
    expect(
      (await this.world.api('PUT', `/v1/dialogs/${this.dialogId}`, { operator_id: operatorId })).status,
    ).toBe(200);
    await this.quiet();
  }
  async transferToGroup(): Promise<void> {
    const path = `/v1/messages/${this.lastMessageId}/transfer_to_group?group_id=${SUPPORT_GROUP}`;
    expect((await this.world.api('GET', path)).status).toBe(200);
    await this.quiet();
  }
  async closeDialog(): Promise<void> {
    await this.world.sandbox.closeDialog(this.world.token, this.dialogId);
    this.unassigned = true;
    await this.quiet();
  }
  async closeRequest(): Promise<void> {
    expect(
      (await this.world.api('PUT', '/v1/requests/close', { client_id: Number(this.clientId) })).status,
    ).toBe(200);
    this.unassigned = true;
    await this.quiet();
  }
  /** Chat2Desk's late retry of this dialog's last `hookType` event (after SQS's dedup window). */
  async redeliverLast(hookType: string): Promise<void> {
    const mine = this.world.sandbox.deliveries.filter((d) => d.hookType === hookType && this.owns(d));
    const last = mine.at(-1);
    if (!last) throw new Error(`no ${hookType} delivery for client ${this.clientId}`);
    expect(await this.world.lateReplay(last)).toBe(200);
    await this.quiet();
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
  /** The files the agent received, as [kind, url]. */
  agentFiles(): [string, string][] {
    return this.world.agent.events
      .filter((e) => e.event.chatId === `${this.clientId}|chat2desk`)
      .flatMap((e) => e.event.attachments.map((a): [string, string] => [a.kind, a.url]));
  }
  /** What the bot wrote to the client (not the human operator, not Chat2Desk's survey), in order. */
  botTexts(): string[] {
    return this.world.sandbox
      .transcript(this.world.token, this.clientId)
      .filter(
        (m: TranscriptEntry) =>
          m.direction === 'out' && m.operatorId !== String(HUMAN) && m.type !== 'system',
      )
      .map((m) => m.text ?? '');
  }
}

interface Row {
  name: string;
  world: WorldName;
  run(d: Dialog): Promise<void>;
  agent: string[];
  bot: string[];
  /** The files the agent got, as [kind, url]; checked when given. */
  files?: [string, string][];
}

/** The client says hi and the bot answers: where every row starts. */
function greeted(d: Dialog): Promise<void> {
  return d.asks('hi');
}

/** The client writes once more; nothing may come of it but what the row expects. */
async function writesAgain(d: Dialog, text: string): Promise<void> {
  await d.quiet();
  await d.write(text);
  await d.quiet();
}

const FILE_URL = 'https://files.example.com/f/8c1d2e';

const ROWS: Row[] = [
  {
    name: 'a file from the client reaches the agent (in the shape the profile sends)',
    world: 'closeDialog',
    async run(d) {
      await d.write('my video', [{ name: 'clip.mp4', url: FILE_URL, contentType: 'video/mp4', size: 2048 }]);
      await d.answered('echo: my video');
    },
    agent: ['my video'],
    bot: ['echo: my video'],
    files: [['video', FILE_URL]],
  },
  {
    name: 'takeover by an operator message',
    world: 'closeDialog',
    async run(d) {
      await greeted(d);
      await d.operatorWrites('Anna here');
      await writesAgain(d, 'are you a bot?');
    },
    agent: ['hi'],
    bot: ['echo: hi'],
  },
  {
    name: 'takeover by a transfer to an operator',
    world: 'closeDialog',
    async run(d) {
      await greeted(d);
      await d.assign(HUMAN);
      await writesAgain(d, 'hello?');
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
      await writesAgain(d, 'still waiting');
    },
    agent: ['operator please'],
    bot: ['Connecting you to a person'],
  },
  {
    name: 'a transfer to a group with nobody assigned yet',
    world: 'closeDialog',
    async run(d) {
      await greeted(d);
      await d.transferToGroup();
      await writesAgain(d, 'anyone?');
    },
    agent: ['hi'],
    bot: ['echo: hi'],
  },
  {
    name: 'a takeover ended by close_dialog',
    world: 'closeDialog',
    async run(d) {
      await greeted(d);
      await d.operatorWrites('Anna here');
      await d.closeDialog();
      await d.asks('back again');
    },
    agent: ['hi', 'back again'],
    bot: ['echo: hi', 'echo: back again'],
  },
  {
    name: 'a takeover ended by close_request',
    world: 'closeRequest',
    async run(d) {
      await greeted(d);
      await d.assign(HUMAN);
      await d.closeRequest();
      await d.asks('back again');
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
      await d.asks('thanks, one more question');
    },
    agent: ['operator please', 'thanks, one more question'],
    bot: ['Connecting you to a person', 'echo: thanks, one more question'],
  },
  {
    name: 'out of order: the takeover redelivered after the close does not mute the bot again',
    world: 'closeDialog',
    async run(d) {
      await greeted(d);
      await d.assign(HUMAN);
      await d.closeDialog();
      await d.redeliverLast('dialog_transferred');
      await d.asks('back again');
    },
    agent: ['hi', 'back again'],
    bot: ['echo: hi', 'echo: back again'],
  },
  {
    name: 'out of order: a close redelivered after a newer takeover does not unmute the bot',
    world: 'closeRequest',
    async run(d) {
      await greeted(d);
      await d.assign(HUMAN);
      await d.closeRequest();
      await d.asks('second question');
      await d.operatorWrites('Anna again');
      await d.redeliverLast('close_request');
      await writesAgain(d, 'and now?');
    },
    agent: ['hi', 'second question'],
    bot: ['echo: hi', 'echo: second question'],
  },
  {
    name: 'operator-bound channel: a transfer back to the bot operator gives the dialog back',
    world: 'botOperator',
    async run(d) {
      await greeted(d);
      await d.assign(HUMAN);
      await d.write('while with Anna');
      await d.quiet();
      await d.assign(BOT_OPERATOR_ID);
      await d.asks('back with the bot');
    },
    agent: ['hi', 'back with the bot'],
    bot: ['echo: hi', 'echo: back with the bot'],
  },
  {
    name: 'operator-bound channel: a group transfer with nobody assigned is not back to the bot',
    world: 'botOperator',
    async run(d) {
      await greeted(d);
      await d.transferToGroup();
      await writesAgain(d, 'anyone?');
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
    const results = new Map<
      string,
      { agent: string[]; bot: string[]; files?: [string, string][] } | { error: unknown }
    >();

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
          results.set(row.name, {
            agent: dialog.agentTexts(),
            bot: dialog.botTexts(),
            ...(row.files ? { files: dialog.agentFiles() } : {}),
          });
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
      expect(result).toEqual({ agent: row.agent, bot: row.bot, ...(row.files ? { files: row.files } : {}) });
    });

    test('nothing went to a dead-letter queue', async () => {
      for (const world of Object.values(worlds)) {
        expect(await world.depth(world.queues.inboundDlqUrl)).toBe(0);
        expect(await world.depth(world.queues.outboundDlqUrl)).toBe(0);
      }
    });
  },
);
