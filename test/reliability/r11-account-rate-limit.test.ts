/**
 * R11 The per-account rate limit holds across instances, and a throttled account slows down only
 * its own conversations.
 *
 * Eight reply-function instances (each its own composition: its own limiter, caches and clients,
 * one SQS poller each, like eight concurrent Lambda invocations) share the outbound FIFO queue and
 * the table. 13 Chat2Desk accounts (channels with distinct tokens) in the sandbox: 3 of them allow
 * 5 requests per second (`setRateLimit`), 10 have no limit; the connector is configured for 5/s per
 * account (CHAT2DESK_RATE_LIMIT_PER_SECOND), as a deployment for that account would be.
 *
 * Phase A: replies to the 10 unlimited accounts only → their completion time.
 * Phase B: the same load again, queued together with a backlog for the 3 limited accounts.
 * Phase C: the unlimited accounts alone again. The baseline is the slower of A and C: the machine
 * is shared (the other test files run beside this one), so "alone" is measured before and after
 * under the load of the moment, not once at a lucky instant.
 * Asserted from the sandbox's own request log (arrival times): never more than 5 requests in any
 * one-second window per limited account (so not one 429), the unlimited accounts done about as
 * fast as without the limited ones and well before them, every reply delivered exactly once, both
 * DLQs empty. The replies are queued as the worker queues them (the outbound queue adapter): the
 * drill is about the reply function.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildReplyDeps } from '../../functions/reply/composition';
import { createReplyHandler } from '../../functions/reply/handler';
import { type SqsPoller, startSqsPoller } from '../../infra/local/runtime/sqs-poller';
import { startSandboxServer } from '../../infra/local/sandbox/index';
import { accountLabel } from '../../infra/local/sandbox/model';
import { createOutboundQueue } from '../../shared/adapters/sqs/outbound-queue';
import { OUTBOUND_QUEUE } from '../../shared/adapters/sqs/queue-definitions';
import { loadConfig } from '../../shared/config';
import type { Channel } from '../../shared/domain/channel';
import type { OutboundQueueMessage } from '../../shared/domain/queue-messages';
import { slotIntervalMs } from '../../shared/outbound/rate-limiter';
import { countingDocumentClient, createTestTable, type TestTable, testDocumentClient } from '../support/aws';
import { storeTestChannel, testChannel } from '../support/channels';
import { createTestQueues, queueArn, queueDepth, type TestQueues } from '../support/queues';
import { makeTestToken, TEST_TOKEN_MARKER } from '../support/tokens';
import { drillTimeout, figure, scaled } from './support/world';

const REGION = 'us-east-1';
const INSTANCES = 8;
const LIMIT_PER_SECOND = 5;
const LIMITED_ACCOUNTS = 3;
const UNLIMITED_ACCOUNTS = 10;
/** Per limited account: conversations × replies each (the backlog). */
const LIMITED_CONVERSATIONS = 12;
const LIMITED_REPLIES = scaled(3);
/** Per unlimited account and phase. */
const UNLIMITED_CONVERSATIONS = 6;
const UNLIMITED_REPLIES = 1;

interface Account {
  channel: Channel;
  token: string;
  label: string;
  limited: boolean;
  clients: string[];
}

/** A document client that counts the writes to send schedules (`rate#…` items). */
function scheduleWriteCounter(client: DynamoDBDocumentClient, counter: { writes: number }) {
  return countingDocumentClient(client, (command) => {
    const input = (command as { input?: { Key?: { pk?: unknown } } }).input;
    if (String(input?.Key?.pk ?? '').startsWith('rate#')) counter.writes += 1;
  });
}

/** The most requests that arrived within any window of one second. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j += 1) {
    while (sorted[j]! - sorted[i]! >= 1000) i += 1;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('R11 per-account rate limit across 8 reply instances', () => {
  let table: TestTable;
  let queues: TestQueues;
  let sandboxServer: Awaited<ReturnType<typeof startSandboxServer>>;
  const pollers: SqsPoller[] = [];
  const accounts: Account[] = [];
  const counter = { writes: 0 };
  const slackMs = Number(process.env.R11_SLACK_MS ?? '600');

  beforeAll(async () => {
    table = await createTestTable();
    queues = await createTestQueues({
      // As deployed: the slot wait depends on the receives left before the DLQ.
      maxReceiveCount: OUTBOUND_QUEUE.maxReceiveCount,
      visibilityTimeoutSeconds: 30,
    });
    sandboxServer = await startSandboxServer({ port: 0 });
    const documents = testDocumentClient();
    for (let a = 0; a < LIMITED_ACCOUNTS + UNLIMITED_ACCOUNTS; a += 1) {
      const limited = a < LIMITED_ACCOUNTS;
      const token = makeTestToken(limited ? `limited${a}` : `free${a}`);
      const channel = testChannel({ agentId: 'agent-r11', apiUrl: sandboxServer.apiUrl, token });
      await storeTestChannel(documents, table.name, channel);
      if (limited) sandboxServer.sandbox.setRateLimit(token, LIMIT_PER_SECOND);
      const conversations = limited ? LIMITED_CONVERSATIONS : UNLIMITED_CONVERSATIONS;
      const clients = Array.from({ length: conversations }, (_, c) => String(11_000 + a * 100 + c));
      // The clients exist in the account (no webhook is registered: nothing is delivered).
      for (const clientId of clients)
        await sandboxServer.sandbox.clientMessage(token, clientId, { text: 'hi' });
      accounts.push({ channel, token, label: accountLabel(token), limited, clients });
    }
    const config = loadConfig({
      TABLE_NAME: table.name,
      OUTBOUND_QUEUE_URL: queues.outboundUrl,
      OUTBOUND_DLQ_URL: queues.outboundDlqUrl,
      TOKEN_HASH_KEY: 'r11-token-hash-key-0123456789',
      WEBHOOK_SECRET_KEY: 'r11-webhook-secret-key-0123456789',
      LOCAL_MODE: 'true',
      CHAT2DESK_TIMEOUT_MS: '3000',
      CHAT2DESK_RATE_LIMIT_PER_SECOND: String(LIMIT_PER_SECOND),
      // Between a slot and its arrival at the sandbox this shared machine adds up to ~400 ms under
      // load (one event loop for 8 instances and the sandbox, on 2 busy cores; network jitter in
      // AWS): the slack covers it (default 100 ms).
      CHAT2DESK_RATE_LIMIT_SLACK_MS: String(slackMs),
      CHANNEL_CACHE_TTL_MS: '30000',
      ...(process.env.R11_LEASE_MS !== undefined
        ? { CHAT2DESK_RATE_LEASE_MS: process.env.R11_LEASE_MS }
        : {}),
    });
    const outboundArn =
      (await queueArn(queues.client, queues.outboundUrl)) ??
      'arn:aws:sqs:us-east-1:000000000000:outbound.fifo';
    for (let i = 0; i < INSTANCES; i += 1) {
      const handler = createReplyHandler(
        buildReplyDeps({
          config,
          documentClient: scheduleWriteCounter(testDocumentClient(), counter),
          sqsClient: queues.client,
        }),
      );
      pollers.push(
        startSqsPoller({
          sqs: queues.client,
          region: REGION,
          queueUrl: queues.outboundUrl,
          queueArn: outboundArn,
          fn: { functionName: `r11-reply-${i}`, timeoutMs: 20_000 },
          handler,
          batchSize: 10,
          concurrency: 1,
          waitTimeSeconds: 1,
          report: (line) => process.stderr.write(`poller ${i}: ${line}\n`),
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.allSettled(pollers.map((p) => p.stop(2000)));
    await sandboxServer?.stop();
    await queues?.drop().catch(() => undefined);
    await table?.drop().catch(() => undefined);
  });

  const outbound = () => createOutboundQueue({ client: queues.client, queueUrl: queues.outboundUrl });

  /** The replies of one phase for the given accounts, conversation by conversation, in order. */
  function repliesFor(phase: string, of: Account[], perConversation: (a: Account) => number) {
    const messages: OutboundQueueMessage[] = [];
    for (const account of of) {
      for (const clientId of account.clients) {
        for (let r = 0; r < perConversation(account); r += 1) {
          const eventId = `r11-${phase}-${account.channel.id}-${clientId}-${r}`;
          messages.push({
            v: 1,
            replyId: `${eventId}#0`,
            eventId,
            channelId: account.channel.id,
            generation: account.channel.generation,
            index: 0,
            target: { clientId, transport: 'telegram' },
            reply: { type: 'text', text: `${phase} ${clientId} ${r}` },
          });
        }
      }
    }
    return messages;
  }

  /** Bot messages of a phase per account: arrival times of each text. */
  function delivered(phase: string, account: Account): Map<string, number[]> {
    const texts = new Map<string, number[]>();
    for (const clientId of account.clients) {
      for (const m of sandboxServer.sandbox.transcript(account.token, clientId)) {
        if (m.direction !== 'out' || !m.text?.startsWith(`${phase} `)) continue;
        texts.set(m.text, [...(texts.get(m.text) ?? []), m.at]);
      }
    }
    return texts;
  }

  async function runUntilDelivered(phase: string, expected: OutboundQueueMessage[], timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = accounts.reduce((n, a) => n + delivered(phase, a).size, 0);
      if (count >= expected.length) return;
      if (Date.now() > deadline) {
        const dead = await queueDepth(queues.client, queues.outboundDlqUrl);
        throw new Error(`${phase}: ${count} of ${expected.length} delivered, ${dead} in the outbound DLQ`);
      }
      await sleep(100);
    }
  }

  /** ms from `start` until the last reply of a phase reached those accounts. */
  const finishedAfter = (phase: string, of: Account[], start: number) =>
    Math.max(...of.flatMap((a) => [...delivered(phase, a).values()].flat())) - start;

  test(
    `${LIMITED_ACCOUNTS} accounts at ${LIMIT_PER_SECOND}/s and ${UNLIMITED_ACCOUNTS} unlimited, 8 instances → the limit holds, the others unaffected, nothing lost or doubled`,
    async () => {
      const unlimited = accounts.filter((a) => !a.limited);
      const limited = accounts.filter((a) => a.limited);

      // Warm-up (connections, caches), not measured.
      const warmUp = repliesFor('W', unlimited, () => 1);
      await outbound().enqueue(warmUp);
      await runUntilDelivered('W', warmUp, 30_000);

      // Phase A: the unlimited accounts alone.
      const phaseA = repliesFor('A', unlimited, () => UNLIMITED_REPLIES);
      const startA = Date.now();
      await outbound().enqueue(phaseA);
      await runUntilDelivered('A', phaseA, 30_000);
      const baselineMs = finishedAfter('A', unlimited, startA);

      // Phase B: the same load, queued together with the limited accounts' backlog (first, so
      // the instances are busy with it when the unlimited replies come).
      const writesBefore = counter.writes;
      const backlog = repliesFor('B', limited, () => LIMITED_REPLIES);
      const phaseB = repliesFor('B', unlimited, () => UNLIMITED_REPLIES);
      const startB = Date.now();
      await outbound().enqueue(backlog);
      await outbound().enqueue(phaseB);
      // Generous: a record of a throttled account may come back more than once before its slot.
      await runUntilDelivered('B', [...backlog, ...phaseB], 120_000);
      const unlimitedMs = finishedAfter('B', unlimited, startB);
      const limitedMs = finishedAfter('B', limited, startB);
      // Let the pollers finish their batches (deletes) before the next phase and the queue checks.
      const settle = async () => {
        for (let i = 0; i < 50 && pollers.some((p) => p.inFlight() > 0); i += 1) await sleep(100);
      };
      await settle();
      const writesB = counter.writes - writesBefore;

      // Phase C: the unlimited accounts alone again, under the machine's load of now.
      const phaseC = repliesFor('C', unlimited, () => UNLIMITED_REPLIES);
      const startC = Date.now();
      await outbound().enqueue(phaseC);
      await runUntilDelivered('C', phaseC, 30_000);
      const againAloneMs = finishedAfter('C', unlimited, startC);
      await settle();
      const aloneMs = Math.max(baselineMs, againAloneMs);

      const requests = sandboxServer.sandbox.requests;
      const perLimited = limited.map((a) => {
        const own = requests.filter((r) => r.account === a.label);
        return {
          requests: own.length,
          busiest: busiestSecond(own.map((r) => r.at)),
          throttled: own.filter((r) => r.status === 429).length,
        };
      });
      const sends = (a: Account) =>
        requests.filter(
          (r) =>
            r.account === a.label && r.method === 'POST' && r.path === '/v1/messages' && r.status === 200,
        ).length;
      const lost: string[] = [];
      const doubled: string[] = [];
      for (const [phase, messages] of [
        ['A', phaseA],
        ['B', [...backlog, ...phaseB]],
        ['C', phaseC],
      ] as const) {
        for (const m of messages) {
          const account = accounts.find((a) => a.channel.id === m.channelId)!;
          const times = delivered(phase, account).get(m.reply.type === 'text' ? m.reply.text : '');
          if (!times) lost.push(m.replyId);
          else if (times.length > 1) doubled.push(m.replyId);
        }
      }
      const expectedSends = (a: Account) =>
        a.clients.length * (a.limited ? LIMITED_REPLIES : 3 * UNLIMITED_REPLIES + 1);
      const depth = (url: string) => queueDepth(queues.client, url);
      const totalB = backlog.length + phaseB.length;
      figure(
        `R11 account rate limit: instances=${INSTANCES} limited=${LIMITED_ACCOUNTS}×${backlog.length / LIMITED_ACCOUNTS} replies at ${LIMIT_PER_SECOND}/s, unlimited=${UNLIMITED_ACCOUNTS}×${phaseB.length / UNLIMITED_ACCOUNTS} busiestSecond=${JSON.stringify(perLimited.map((p) => p.busiest))} limited429=${perLimited.reduce((n, p) => n + p.throttled, 0)} slackMs=${slackMs} unlimitedAloneMs=${baselineMs} unlimitedAgainAloneMs=${againAloneMs} unlimitedWithLimitedMs=${unlimitedMs} limitedMs=${limitedMs} scheduleWrites=${writesB} forSends=${totalB} lost=${lost.length} duplicates=${doubled.length}`,
      );

      for (const p of perLimited) {
        expect(p.busiest).toBeLessThanOrEqual(LIMIT_PER_SECOND);
        expect(p.throttled).toBe(0);
      }
      expect(lost).toEqual([]);
      expect(doubled).toEqual([]);
      for (const a of accounts) expect([a.label, sends(a)]).toEqual([a.label, expectedSends(a)]);
      // The unlimited accounts: about as fast as alone, and done well before the throttled backlog.
      // "About": on its first receives a throttled record may hold its reply instance for up to one
      // short slot wait, 2 s (docs/DEPLOY.md "Waiting"), and with more throttled conversations (36)
      // than instances (8) every instance holds some of them in the first two rounds, so the
      // others' replies may wait for two short waits, plus a second for this shared machine. The
      // backlog holding instances for the full 20 s wait fails both bounds (8.4 s against 2.4 s
      // alone and 11.6 s for the backlog).
      expect(unlimitedMs).toBeLessThanOrEqual(Math.max(2 * aloneMs, aloneMs + 2 * 2000 + 1000));
      expect(unlimitedMs).toBeLessThan(limitedMs / 2);
      // The limited accounts went at their rate (the slack's), not far below it.
      const paced = (LIMITED_CONVERSATIONS * LIMITED_REPLIES - 1) * slotIntervalMs(LIMIT_PER_SECOND, slackMs);
      expect(limitedMs).toBeGreaterThanOrEqual(paced);
      expect(limitedMs).toBeLessThan(paced * 1.5 + 5000);
      expect(await depth(queues.outboundDlqUrl)).toBe(0);
      expect(await depth(queues.inboundDlqUrl)).toBe(0);
      expect(await depth(queues.outboundUrl)).toBe(0);
      expect(JSON.stringify(requests.map((r) => r.body))).not.toContain(TEST_TOKEN_MARKER);
    },
    drillTimeout(210_000),
  );
});
