/**
 * R9 after a transfer or a close, 0 bot messages to that dialog.
 *
 * Dialogs taken from the bot four ways — an operator takes the dialog (dialog_transferred), the
 * agent hands it over (transfer reply), an operator writes in it (outbox by a human), the dialog
 * is closed — then the client keeps writing: the bot sends nothing more to that dialog (until a
 * close ends the takeover and the client writes again: a new conversation, answered).
 *
 * A separate case measures a reply still in flight when the operator takes the dialog.
 */
import { drillTimeout, figure, scaled, startWorld, type World } from './support/world';

const FOLLOW_UPS = scaled(3);
const DIALOGS_PER_WAY = scaled(5);
const OPERATOR = 1002;

describe('R9 transfer and close', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ events: ['inbox', 'outbox', 'dialog_transferred', 'close_dialog'] });
    world.agent.byText('operator please', {
      replies: [
        { type: 'text', text: 'Connecting you to a person' },
        { type: 'transfer', operatorId: String(OPERATOR) },
      ],
    });
    world.agent.byText('slow', { delayMs: 1_500, replies: [{ type: 'text', text: 'late bot answer' }] });
  });
  afterAll(async () => {
    await world?.stop();
  });

  const quiet = () => world.settle({ timeoutMs: 60_000 });

  test(
    'operator transfer, agent transfer, operator message, close → 0 bot messages afterwards',
    async () => {
      const ways = ['operatorTransfer', 'agentTransfer', 'operatorWrites', 'closed'] as const;
      const dialogs = ways.flatMap((way, w) =>
        Array.from({ length: DIALOGS_PER_WAY }, (_, d) => ({ way, clientId: String(7001 + w * 100 + d) })),
      );
      // 1. Every client is answered by the bot once.
      const dialogIds = new Map<string, string>();
      for (const { way, clientId } of dialogs) {
        const { dialogId } = await world.clientWrites(
          clientId,
          way === 'agentTransfer' ? 'operator please' : 'hello',
        );
        dialogIds.set(clientId, dialogId);
      }
      await world.settle({ until: () => dialogs.every((d) => world.botMessages(d.clientId).length === 1) });

      // 2. The dialog leaves the bot.
      for (const { way, clientId } of dialogs) {
        const dialogId = dialogIds.get(clientId)!;
        if (way === 'operatorTransfer') {
          expect((await world.api('PUT', `/v1/dialogs/${dialogId}`, { operator_id: OPERATOR })).status).toBe(
            200,
          );
        } else if (way === 'operatorWrites') {
          const sent = await world.api('POST', '/v1/messages', {
            client_id: Number(clientId),
            text: 'Anna here, I will help you',
            operator_id: OPERATOR,
          });
          expect(sent.status).toBe(200);
        } else if (way === 'closed') {
          await world.sandbox.closeDialog(world.token, dialogId);
        }
      }
      await quiet();
      const botAfterHandOver = new Map(
        dialogs.map((d) => [d.clientId, world.botMessages(d.clientId).length]),
      );
      const agentCallsAfterHandOver = world.agent.events.length;

      // 3. The clients keep writing (into closed dialogs too: that reopens them, without the bot).
      for (let k = 0; k < FOLLOW_UPS; k += 1) {
        for (const { way, clientId } of dialogs) {
          if (way !== 'closed') await world.clientWrites(clientId, `follow-up ${k}`);
        }
      }
      await quiet();
      const botMessagesAfter = dialogs.reduce(
        (n, d) => n + world.botMessages(d.clientId).length - botAfterHandOver.get(d.clientId)!,
        0,
      );
      const agentCallsAfter = world.agent.events.length - agentCallsAfterHandOver;
      const closedDialogsBotMessages = dialogs
        .filter((d) => d.way === 'closed')
        .reduce((n, d) => n + world.botMessages(d.clientId).length - 1, 0);

      // 4. Closing an operator's dialog ends the takeover: the client's next message is the bot's again.
      const reopened = dialogs.filter((d) => d.way === 'operatorTransfer');
      for (const { clientId } of reopened)
        await world.sandbox.closeDialog(world.token, dialogIds.get(clientId)!);
      await quiet();
      for (const { clientId } of reopened) await world.clientWrites(clientId, 'back again');
      await world.settle({
        until: () => reopened.every((d) => world.botMessages(d.clientId).at(-1)?.text === 'echo: back again'),
      });

      figure(
        `R9 transfer/close: dialogs=${dialogs.length} (${DIALOGS_PER_WAY} per way: ${ways.join(', ')}) followUps=${FOLLOW_UPS * DIALOGS_PER_WAY * 3} botMessagesAfterHandOver=${botMessagesAfter} agentCallsAfterHandOver=${agentCallsAfter} botMessagesToClosedDialogs=${closedDialogsBotMessages} answeredAgainAfterClose=${reopened.length}/${reopened.length}`,
      );
      expect(botMessagesAfter).toBe(0);
      expect(agentCallsAfter).toBe(0);
      expect(closedDialogsBotMessages).toBe(0);
      for (const { clientId } of dialogs.filter((d) => d.way === 'agentTransfer')) {
        expect(world.botMessages(clientId).map((m) => m.text)).toEqual(['Connecting you to a person']);
      }
      expect(await world.depth(world.queues.inboundDlqUrl)).toBe(0);
      expect(await world.depth(world.queues.outboundDlqUrl)).toBe(0);
    },
    drillTimeout(180_000),
  );

  // The transfer is queued in a takeover group of its own as well, so the worker records it while
  // the agent still thinks; the reply function then holds the in-flight answer back.
  test(
    'a reply still in flight when the operator takes the dialog is not sent after the transfer',
    async () => {
      const clientId = '7901';
      const { dialogId } = await world.clientWrites(clientId, 'slow');
      const deadline = Date.now() + 30_000;
      while (!world.agent.events.some((e) => e.event.clientMessage === 'slow') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      // The agent is thinking; the operator takes the dialog now.
      expect((await world.api('PUT', `/v1/dialogs/${dialogId}`, { operator_id: OPERATOR })).status).toBe(200);
      const transferredAt = Date.now();
      await world.settle({ timeoutMs: 60_000 });
      const after = world.botMessages(clientId).filter((m) => m.at >= transferredAt);
      figure(`R9 in-flight reply at transfer: botMessagesAfterTransfer=${after.length}`);
      expect(after).toHaveLength(0);
    },
    drillTimeout(60_000),
  );
});
