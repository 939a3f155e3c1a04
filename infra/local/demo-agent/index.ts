/**
 * The demo agent: a tiny stand-in for the agent platform that speaks the agent contract
 * (DESIGN §4.2) so the local stack can be tried without the platform. See docs/SANDBOX.md.
 *
 *   GET  /agent/agents/{agentId}         → { id, trained } (untrained for ids starting with "untrained")
 *   POST /agent/agents/{agentId}/events  → { replies }
 *   GET  /agent/static/demo.png          → the picture sent by `/image`
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  type AgentEvent,
  SERVICE_MESSAGE_DIALOG_CLOSED,
  SERVICE_MESSAGE_NO_OPERATORS_ONLINE,
} from '../../../shared/domain/agent-contract';
import type { Reply } from '../../../shared/domain/reply';
import { demoPng } from './demo-png';

const PREFIX = '/agent';
const MAX_BODY_BYTES = 1024 * 1024;
export const LONG_TEXT_LENGTH = 5000;

const agentEventSchema = z.looseObject({
  eventId: z.string().min(1),
  channel: z.looseObject({ id: z.string(), type: z.string() }),
  chatId: z.string().min(1),
  clientMessage: z.string(),
  attachments: z.array(z.looseObject({ kind: z.string(), url: z.string(), name: z.string().optional() })),
  location: z.looseObject({ latitude: z.number(), longitude: z.number() }).optional(),
  variables: z.record(z.string(), z.string()),
});

export interface ReceivedEvent {
  agentId: string;
  event: AgentEvent;
  at: number;
}

export interface DemoAgent {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Every accepted event, in arrival order. */
  events: ReceivedEvent[];
  /** The last events refused as not matching the agent contract, with why (at most 100 kept). */
  refused: RefusedEvent[];
}

export interface RefusedEvent {
  agentId: string;
  issues: { path: string; message: string }[];
  at: number;
}

const REFUSED_KEPT = 100;

export interface DemoAgentOptions {
  /** When set, `Authorization: Bearer <apiKey>` is required on /agent/agents/... */
  apiKey?: string;
  /** Public base URL of the agent (e.g. http://127.0.0.1:3000/agent), used for the image URL. */
  publicUrl?: string;
}

/** A text of about `length` characters in paragraphs, to show long-text splitting. */
export function longText(length = LONG_TEXT_LENGTH): string {
  const sentence =
    'This is a long answer from the demo agent, written to show how a connector splits text that is longer than a messenger accepts. ';
  const paragraphs: string[] = [];
  let total = 0;
  let n = 1;
  while (total < length) {
    const paragraph = `${n}. ${sentence.repeat(3).trim()}`;
    paragraphs.push(paragraph);
    total += paragraph.length + 2;
    n += 1;
  }
  return paragraphs.join('\n\n').slice(0, length);
}

/** What `/handoff` leaves the operators, and what the client can say to come back. */
export const DEMO_HANDOFF = {
  note: 'The client asked for a human from the demo bot.',
  offlineText: 'Nobody is online right now; I stay with you. Try again later.',
  closePhrase: 'back to bot',
  returnText: 'Welcome back! The bot is here again.',
} as const;

/** The hand-off commands: `/handoff [operatorId | group <id>]`, `/close`, `/tag <name>`, `/name <name>`. */
function handoffReplies(command: string | undefined, args: string[], text: string): Reply[] | undefined {
  switch (command) {
    case '/handoff': {
      const transfer: Reply = {
        type: 'transfer',
        text: `Connecting you to an operator. Say "${DEMO_HANDOFF.closePhrase}" to come back to me.`,
        note: DEMO_HANDOFF.note,
        whenOffline: 'stay',
        offlineText: DEMO_HANDOFF.offlineText,
        closePhrases: [DEMO_HANDOFF.closePhrase],
        returnText: DEMO_HANDOFF.returnText,
      };
      if (args[0] === 'group' && args[1]) return [{ ...transfer, groupId: args[1] }];
      if (args[0] && /^\d+$/.test(args[0])) return [{ ...transfer, operatorId: args[0] }];
      return [transfer];
    }
    case '/close':
      return [{ type: 'close', text: 'Goodbye! Write again any time.' }];
    case '/tag': {
      const tag = text.slice('/tag'.length).trim();
      if (!tag) return [{ type: 'text', text: 'Which tag? For example: /tag vip' }];
      return [
        { type: 'tags', tags: [tag] },
        { type: 'text', text: `Tagged: ${tag}` },
      ];
    }
    case '/name': {
      const name = text.slice('/name'.length).trim();
      if (!name) return [{ type: 'text', text: 'Which name? For example: /name Maria' }];
      return [
        { type: 'client', name },
        { type: 'text', text: `Nice to meet you, ${name}` },
      ];
    }
  }
  if (text === SERVICE_MESSAGE_NO_OPERATORS_ONLINE) {
    return [{ type: 'text', text: 'Leave your question here and an operator will answer it later.' }];
  }
  return undefined;
}

/** The demo agent's answers: a pure function of the event. */
export function demoReplies(event: AgentEvent, baseUrl: string): Reply[] {
  const text = event.clientMessage.trim();
  if (text === SERVICE_MESSAGE_DIALOG_CLOSED) return [];
  const [command, ...args] = text.split(/\s+/);
  switch (command) {
    case '/vars':
      return [
        {
          type: 'text',
          text: JSON.stringify(
            {
              variables: event.variables,
              attachments: event.attachments,
              ...(event.location ? { location: event.location } : {}),
            },
            null,
            2,
          ),
        },
      ];
    case '/buttons':
      return [
        {
          type: 'text',
          text: 'Do you like this *demo*? Choose an answer:',
          buttons: [
            { text: 'Yes' },
            { text: 'No' },
            { text: 'Open the docs', url: 'https://example.com/docs' },
          ],
        },
      ];
    case '/image':
      return [{ type: 'file', url: `${baseUrl}/static/demo.png`, name: 'demo.png', mimeType: 'image/png' }];
    case '/long':
      return [{ type: 'text', text: longText() }];
    case '/operator': {
      const transfer: Reply = { type: 'transfer', text: 'Connecting you to an operator, please wait.' };
      // Optional target: "/operator 1002" or "/operator group 501".
      if (args[0] === 'group' && args[1]) return [{ ...transfer, groupId: args[1] }];
      if (args[0] && /^\d+$/.test(args[0])) return [{ ...transfer, operatorId: args[0] }];
      return [transfer];
    }
  }
  const handoff = handoffReplies(command, args, text);
  if (handoff) return handoff;
  if (text.length > 0) return [{ type: 'text', text: `You said: ${text}` }];
  if (event.location) {
    return [{ type: 'text', text: `You are at ${event.location.latitude},${event.location.longitude}` }];
  }
  if (event.attachments.length > 0) {
    return [{ type: 'text', text: `You sent: ${event.attachments.map((a) => a.name ?? a.kind).join(', ')}` }];
  }
  return [];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(payload)),
  });
  res.end(payload);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(buf);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export function createDemoAgent(options: DemoAgentOptions = {}): DemoAgent {
  const events: ReceivedEvent[] = [];
  const refused: RefusedEvent[] = [];
  const png = demoPng();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://agent.local');
    if (url.pathname !== PREFIX && !url.pathname.startsWith(`${PREFIX}/`)) return false;
    const path = url.pathname.slice(PREFIX.length);
    const method = (req.method ?? 'GET').toUpperCase();

    if (method === 'GET' && path === '/static/demo.png') {
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': String(png.length) });
      res.end(png);
      return true;
    }
    const match = /^\/agents\/([^/]+)(\/events)?$/.exec(path);
    if (!match) {
      sendJson(res, 404, { error: 'not found' });
      return true;
    }
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      sendJson(res, 401, { error: 'unauthorized' });
      return true;
    }
    const agentId = decodeURIComponent(match[1]!);
    if (!match[2] && method === 'GET') {
      sendJson(res, 200, { id: agentId, trained: !agentId.startsWith('untrained') });
      return true;
    }
    if (match[2] && method === 'POST') {
      let parsed: ReturnType<typeof agentEventSchema.safeParse>;
      try {
        parsed = agentEventSchema.safeParse(await readJson(req));
      } catch {
        sendJson(res, 400, { error: 'malformed JSON' });
        return true;
      }
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        refused.push({ agentId, issues, at: Date.now() });
        if (refused.length > REFUSED_KEPT) refused.shift();
        sendJson(res, 400, { error: 'invalid event', issues });
        return true;
      }
      const event = parsed.data as unknown as AgentEvent;
      events.push({ agentId, event, at: Date.now() });
      const base = options.publicUrl ?? `http://${req.headers.host ?? '127.0.0.1'}${PREFIX}`;
      sendJson(res, 200, { replies: demoReplies(event, base.replace(/\/+$/, '')) });
      return true;
    }
    sendJson(res, 405, { error: 'method not allowed' });
    return true;
  }

  return { handle, events, refused };
}

export async function startDemoAgentServer(
  o: { port?: number; host?: string; apiKey?: string } = {},
): Promise<{ url: string; agent: DemoAgent; stop(): Promise<void> }> {
  const host = o.host ?? '127.0.0.1';
  let agent: DemoAgent | undefined;
  const server = createServer((req, res) => {
    agent!
      .handle(req, res)
      .then((handled) => {
        if (!handled) sendJson(res, 404, { error: 'not found' });
      })
      .catch(() => {
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}${PREFIX}`;
  agent = createDemoAgent({ ...(o.apiKey ? { apiKey: o.apiKey } : {}), publicUrl: url });
  return {
    url,
    agent,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
