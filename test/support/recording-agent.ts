/**
 * A real HTTP fake of the platform's agent API (DESIGN §4.2) on 127.0.0.1:
 * - `POST /agents/{agentId}/events` records every event (with arrival time and auth header) and
 *   answers from a script: per call (`queue`), per client text (`byText`), or a default echo;
 *   it can answer 503 / 400 / an invalid body / slowly for the next N calls (`failNext`).
 * - `GET /agents/{agentId}` answers `{ id, trained }` (`trained` is settable).
 *
 *   const agent = await startRecordingAgent();
 *   agent.failNext(3, { status: 503 });
 *   ... agent.events, agent.eventsFor(chatId), agent.callCount(eventId)
 *   await agent.stop();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentEvent } from '../../shared/domain/agent-contract';
import type { Reply } from '../../shared/domain/reply';

export interface RecordedEvent {
  agentId: string;
  event: AgentEvent;
  receivedAt: number;
  authorization: string | undefined;
  /** What the fake answered (status). */
  status: number;
}

export interface ScriptedAnswer {
  status?: number;
  /** Replies for a 2xx answer. */
  replies?: Reply[];
  /** A raw body instead of `{ replies }` (e.g. invalid JSON). */
  rawBody?: string;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface RecordingAgent {
  url: string;
  events: RecordedEvent[];
  /** Events answered with 2xx. */
  answered(): RecordedEvent[];
  eventsFor(chatId: string): RecordedEvent[];
  /** How many calls (any outcome) carried this event id. */
  callCount(eventId: string): number;
  /** Answer the next calls, in order, with these (then fall back to byText / the default). */
  queue(...answers: ScriptedAnswer[]): void;
  /** Answer the next `count` calls with this failure (503, 400, an invalid body, slowness). */
  failNext(count: number, answer: ScriptedAnswer): void;
  /** Always answer a client message with this exact text like this. */
  byText(text: string, answer: ScriptedAnswer): void;
  trained: boolean;
  reset(): void;
  stop(): Promise<void>;
}

export interface RecordingAgentOptions {
  /** The default answer; by default one text reply echoing the client message. */
  defaultAnswer?: (event: AgentEvent) => ScriptedAnswer;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startRecordingAgent(options: RecordingAgentOptions = {}): Promise<RecordingAgent> {
  const events: RecordedEvent[] = [];
  let scripted: ScriptedAnswer[] = [];
  let texts = new Map<string, ScriptedAnswer>();
  const defaultAnswer =
    options.defaultAnswer ??
    ((event: AgentEvent): ScriptedAnswer => ({
      replies: [{ type: 'text', text: `echo: ${event.clientMessage || '(files)'}` }],
    }));
  const state = { trained: true };

  const send = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const eventsMatch = /^\/agents\/([^/]+)\/events$/.exec(url.pathname);
      const infoMatch = /^\/agents\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'POST' && eventsMatch) {
        const raw = await readBody(req);
        const event = JSON.parse(raw) as AgentEvent;
        const answer = scripted.shift() ?? texts.get(event.clientMessage) ?? defaultAnswer(event);
        const status = answer.status ?? 200;
        events.push({
          agentId: decodeURIComponent(eventsMatch[1]!),
          event,
          receivedAt: Date.now(),
          authorization: req.headers.authorization,
          status,
        });
        if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
        const body =
          answer.rawBody ??
          (status >= 200 && status < 300
            ? JSON.stringify({ replies: answer.replies ?? [] })
            : JSON.stringify({ error: `scripted ${status}` }));
        if (!res.destroyed) send(res, status, body);
        return;
      }
      if (req.method === 'GET' && infoMatch) {
        send(res, 200, JSON.stringify({ id: decodeURIComponent(infoMatch[1]!), trained: state.trained }));
        return;
      }
      send(res, 404, JSON.stringify({ error: 'not found' }));
    } catch {
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: 'fake agent failed' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    events,
    answered: () => events.filter((e) => e.status >= 200 && e.status < 300),
    eventsFor: (chatId) => events.filter((e) => e.event.chatId === chatId),
    callCount: (eventId) => events.filter((e) => e.event.eventId === eventId).length,
    queue: (...answers) => {
      scripted.push(...answers);
    },
    failNext: (count, answer) => {
      for (let i = 0; i < count; i += 1) scripted.push(answer);
    },
    byText: (text, answer) => {
      texts.set(text, answer);
    },
    get trained() {
      return state.trained;
    },
    set trained(value: boolean) {
      state.trained = value;
    },
    reset: () => {
      events.length = 0;
      scripted = [];
      texts = new Map();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
