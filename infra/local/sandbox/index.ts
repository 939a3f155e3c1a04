/**
 * The Chat2Desk sandbox: the one Chat2Desk fake of the project (local stack and test suites).
 * Speaks the API subset the connector uses under `/sandbox/v1`, sends signed webhooks with
 * retries, offers test hooks and a web chat page. See docs/SANDBOX.md.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { clientWire, createClientByPhone, findClientsByPhone } from './clients-api';
import { WebhookDeliverer } from './deliveries';
import {
  type Answer,
  BadJsonError,
  errorEnvelope,
  isRecord,
  parseJsonBody,
  queryOf,
  readRawBody,
  SandboxApiError,
  sleep,
  success,
  writeAnswer,
} from './http-io';
import { listMessages } from './messages-api';
import {
  type Account,
  accountLabel,
  OPERATOR_GROUPS,
  OPERATORS,
  SandboxModel,
  subscriptionOf,
} from './model';
import { operatorDeskFile } from './operator-desk';
import { assignTags, cardView, tagsWire, updateClient } from './tags-and-cards';
import type {
  ClientMessageInput,
  DeliveryRecord,
  FaultRule,
  RecordedRequest,
  Sandbox,
  SandboxOptions,
  SandboxWebhook,
  TranscriptEntry,
} from './types';

export { accountLabel, BOT_OPERATOR_ID, OPERATOR_GROUPS, OPERATORS, SANDBOX_CHANNEL_ID } from './model';
export { chat2deskSignature } from './signature';
export type {
  ClientMessageInput,
  DeliveryRecord,
  FaultRule,
  RecordedRequest,
  Sandbox,
  SandboxOptions,
  SandboxWebhook,
  TranscriptButton,
  TranscriptEntry,
} from './types';

const PREFIX = '/sandbox';
const NO_TOKEN = 'You have to specify your token. See API manual on info@chat2desk.com';
const BAD_TOKEN = 'Token is not correct';
const THROTTLED = 'Number of API requests exceeded';
const PAGE_NOT_FOUND = 'Page not found';
const PAGE_DIR = join(__dirname, 'page');
/** How long `echoBeforeResponse` holds the answer back at most. */
const ECHO_WAIT_LIMIT_MS = 5_000;
const STATIC_FILES: Record<string, { file: string; contentType: string }> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/chat.js': { file: 'chat.js', contentType: 'text/javascript; charset=utf-8' },
  '/dom.js': { file: 'dom.js', contentType: 'text/javascript; charset=utf-8' },
};

interface ActiveFault {
  rule: FaultRule;
  remaining: number;
}

type TokenCheck = { ok: true; token: string } | { ok: false; answer: Answer };

function checkToken(req: IncomingMessage): TokenCheck {
  const header = req.headers.authorization;
  const token = typeof header === 'string' ? header.trim() : '';
  if (token.length === 0) return { ok: false, answer: errorEnvelope(401, NO_TOKEN) };
  // Chat2Desk takes the raw token: a "Bearer ..." header is simply a wrong token.
  if (token.startsWith('invalid') || /^bearer\s/i.test(token)) {
    return { ok: false, answer: errorEnvelope(401, BAD_TOKEN) };
  }
  return { ok: true, token };
}

/** Waits for `promise`, at most `ms` (the timer does not outlive the wait). */
async function withinLimit(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function pathMatches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method) return false;
  return typeof rule.path === 'string' ? rule.path === path : rule.path.test(path);
}

function faultAnswer(rule: FaultRule): Answer | undefined {
  if (rule.rawText !== undefined) {
    return {
      status: rule.status ?? 200,
      body: undefined,
      raw: { contentType: 'text/html', text: rule.rawText },
    };
  }
  if (rule.status === undefined && rule.body === undefined) return undefined;
  const status = rule.status ?? 500;
  const body =
    rule.body !== undefined
      ? rule.body
      : { status: 'error', message: status === 429 ? THROTTLED : `Sandbox fault: HTTP ${status}` };
  return { status, body, ...(rule.headers ? { headers: rule.headers } : {}) };
}

function answerFromError(err: unknown): Answer {
  if (err instanceof SandboxApiError) return errorEnvelope(err.status, err.message, err.errors);
  if (err instanceof BadJsonError) return errorEnvelope(400, 'Invalid JSON in request body');
  return errorEnvelope(500, 'Internal sandbox error');
}

/** Whether the client named by a `PUT /v1/requests/close` body has no open request (unknown: no). */
function requestIsClosed(account: Account, body: unknown): boolean {
  const clientId = isRecord(body) ? Number(body.client_id) : Number.NaN;
  const client = account.clients.get(clientId);
  const dialog = client ? account.dialogs.get(client.dialogId) : undefined;
  return dialog?.state === 'closed';
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const deliverer = new WebhookDeliverer({
    retryDelaysMs: options.webhookRetryDelaysMs ?? [1000, 5000, 20000],
    sign: options.signWebhooks ?? true,
    disableAfterMs: options.webhookDisableAfterMs ?? 60_000,
    timeoutMs: options.webhookTimeoutMs ?? 5000,
    firstDelayMs: options.webhookDelayMs ?? 0,
    subscriptionOf: (hookType) => subscriptionOf(hookType, options),
  });
  const model = new SandboxModel(
    (account, event, clientId, channelId) => deliverer.enqueue(account, event, clientId, channelId),
    Date.now,
    options,
    { fromClock: options.idsFromClock },
  );
  const faults: ActiveFault[] = [];
  const requests: RecordedRequest[] = [];
  /** Per-account "write first" switches set by `setWriteFirstOption`; else the option (default on). */
  const writeFirst = new Map<string, boolean>();
  const writeFirstOf = (account: Account) =>
    writeFirst.get(account.label) ?? options.writeFirstOption ?? true;

  function takeFault(method: string, path: string): FaultRule | undefined {
    const index = faults.findIndex((f) => f.remaining > 0 && pathMatches(f.rule, method, path));
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault.rule;
  }

  /** Per-account limits set by `setRateLimit`; else the option (default: none). */
  const rateLimits = new Map<string, number | null>();

  function throttled(account: Account): boolean {
    const own = rateLimits.get(account.label);
    const limit = own === undefined ? options.rateLimitPerSecond : (own ?? undefined);
    if (limit === undefined) return false;
    const now = Date.now();
    account.recentRequests = account.recentRequests.filter((t) => now - t < 1000);
    if (account.recentRequests.length >= limit) return true;
    account.recentRequests.push(now);
    return false;
  }

  /** The Chat2Desk API subset under /v1. */
  async function routeApi(
    account: Account,
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
  ): Promise<Answer> {
    const parts = path.split('/').filter(Boolean); // ['v1', ...]
    const [, resource, id, action] = parts;
    const route = `${method} ${resource ?? ''}${id !== undefined ? '/:id' : ''}${action !== undefined ? `/${action}` : ''}`;
    switch (route) {
      case 'GET companies/:id':
        if (id === 'api_info')
          return success({ ...model.apiInfo(account), write_first_option: writeFirstOf(account) });
        break;
      case 'GET clients': {
        const list = findClientsByPhone(account, query).map(clientWire);
        return success(list, { total: list.length, limit: 20, offset: 0 });
      }
      case 'POST clients':
        return success(clientWire(createClientByPhone(model, account, body)));
      case 'GET webhooks': {
        const list = model.listWebhooks(account).map((h) => model.webhookView(h));
        return success(list, { total: list.length, limit: 20, offset: 0 });
      }
      case 'POST webhooks':
        return success(model.webhookView(model.createWebhook(account, body)));
      case 'PUT webhooks/:id':
        return success(model.webhookView(model.updateWebhook(account, id!, body)));
      case 'DELETE webhooks/:id':
        model.deleteWebhook(account, id!);
        return { status: 200, body: { status: 'success', message: 'Webhook deleted' } };
      case 'GET messages': {
        const list = listMessages(account, query, options.messageListing);
        return success(list, { total: list.length, limit: list.length, offset: 0 });
      }
      case 'POST messages': {
        const data = model.sendMessage(account, body);
        const echo = model.takeEchoDelivery();
        // Chat2Desk may deliver the echo before it answers: wait for its first attempt (bounded).
        if (options.echoBeforeResponse && echo) await withinLimit(echo, ECHO_WAIT_LIMIT_MS);
        return success(data);
      }
      case 'PUT requests/:id':
        if (id !== 'close') break;
        if (options.closeClosedRequest === 'success' && requestIsClosed(account, body)) {
          return { status: 200, body: { status: 'success', message: 'Request closed' } };
        }
        model.closeRequest(account, body);
        return { status: 200, body: { status: 'success', message: 'Request closed' } };
      case 'GET messages/:id/transfer':
        return success(model.transfer(account, id!, { operatorId: query.operator_id ?? '' }));
      case 'GET messages/:id/transfer_to_group':
        return success(model.transfer(account, id!, { groupId: query.group_id ?? '' }));
      case 'GET dialogs/:id':
        return success(model.dialogView(account, model.dialogById(account, id!)));
      case 'PUT dialogs/:id':
        return success(model.dialogView(account, model.updateDialog(account, id!, body)));
      case 'GET operators': {
        const list = model.operatorsView(account);
        return success(list, { total: list.length, limit: 20, offset: 0 });
      }
      case 'GET operators_groups': {
        const list = OPERATOR_GROUPS.map((g) => ({ ...g, operator_ids: [...g.operator_ids] }));
        return success(list, { total: list.length, limit: 20, offset: 0 });
      }
      case 'GET tags': {
        const list = tagsWire();
        return success(list, { total: list.length, limit: 20, offset: 0 });
      }
      case 'POST tags/:id':
        if (id !== 'assign_to') break;
        return success(assignTags(account, body));
      case 'PUT clients/:id':
        return success(clientWire(updateClient(account, id!, body)));
      case 'GET channels':
        return success(
          [
            {
              id: 7001,
              name: 'Sandbox channel',
              phone: null,
              transports: ['telegram', 'whatsapp', 'viber', 'vkontakte', 'widget'],
            },
          ],
          {
            total: 1,
            limit: 20,
            offset: 0,
          },
        );
    }
    return errorEnvelope(404, PAGE_NOT_FOUND);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const query = queryOf(url);
    const record: RecordedRequest = { at: Date.now(), method, path, query, body: undefined, status: 0 };
    requests.push(record);
    let rawBody = '';
    try {
      rawBody = await readRawBody(req);
      record.body = parseJsonBody(rawBody);
    } catch {
      record.body = rawBody;
    }
    const auth = checkToken(req);
    const sentToken = typeof req.headers.authorization === 'string' ? req.headers.authorization.trim() : '';
    if (sentToken) record.account = accountLabel(sentToken);

    const finish = (answer: Answer) => {
      record.status = answer.status;
      writeAnswer(res, answer);
    };
    const hangup = () => {
      record.status = 0;
      req.socket.destroy();
    };

    const fault = takeFault(method, path);
    if (fault && !fault.afterHandling) {
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.hangup) return hangup();
      const injected = faultAnswer(fault);
      if (injected) return finish(injected);
    }

    let answer: Answer;
    if (!auth.ok) answer = auth.answer;
    else {
      const account = model.account(auth.token);
      account.requestsThisMonth += 1;
      if (throttled(account)) answer = { ...errorEnvelope(429, THROTTLED), headers: { 'Retry-After': '1' } };
      else {
        try {
          const body = parseJsonBody(rawBody);
          answer = await routeApi(account, method, path, query, body);
        } catch (err) {
          answer = answerFromError(err);
        }
      }
    }

    if (fault?.afterHandling) {
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.hangup) return hangup();
      answer = faultAnswer(fault) ?? answer;
    }
    finish(answer);
  }

  /** Test hooks and the chat page's endpoints (plain JSON, not the Chat2Desk envelope). */
  async function routeHooks(req: IncomingMessage, path: string): Promise<Answer> {
    const method = (req.method ?? 'GET').toUpperCase();
    const deskFile = method === 'GET' ? operatorDeskFile(path) : undefined;
    if (deskFile) {
      return {
        status: 200,
        body: undefined,
        raw: { contentType: deskFile.contentType, text: await readFile(deskFile.path) },
      };
    }
    const staticFile = method === 'GET' ? STATIC_FILES[path === '' ? '/' : path] : undefined;
    if (staticFile) {
      const text = await readFile(join(PAGE_DIR, staticFile.file));
      return { status: 200, body: undefined, raw: { contentType: staticFile.contentType, text } };
    }
    const parts = path.split('/').filter(Boolean);
    const auth = checkToken(req);
    const rawBody = await readRawBody(req);
    const needAccount = (): Account => {
      if (!auth.ok) throw new SandboxApiError(401, (auth.answer.body as { message: string }).message);
      return model.account(auth.token);
    };
    if (method === 'GET' && path === '/state') {
      if (!auth.ok) {
        return {
          status: 200,
          body: { accounts: model.allAccounts().map((a) => ({ account: a.label, clients: a.clients.size })) },
        };
      }
      const account = needAccount();
      return {
        status: 200,
        body: {
          account: account.label,
          clients: [...account.clients.values()].map((c) => model.clientView(account, c)),
          webhooks: model.listWebhooks(account).map((h) => model.publicWebhook(h)),
          operators: OPERATORS,
          operatorGroups: OPERATOR_GROUPS,
        },
      };
    }
    if (parts[0] === 'clients' && parts[1] && parts[2] === 'messages' && parts.length === 3) {
      const account = needAccount();
      if (method === 'POST') {
        const body = parseJsonBody(rawBody);
        return {
          status: 200,
          body: model.clientMessage(account, parts[1], (body ?? {}) as ClientMessageInput),
        };
      }
      if (method === 'GET') return { status: 200, body: model.transcript(account, parts[1]) };
    }
    if (parts[0] === 'clients' && parts[1] && parts.length === 2 && method === 'GET') {
      const account = needAccount();
      const client = [...account.clients.values()].find((c) => String(c.id) === parts[1]);
      if (!client) throw new SandboxApiError(404, 'not_found');
      return { status: 200, body: { ...model.clientView(account, client), ...cardView(account, client) } };
    }
    if (
      parts[0] === 'operators' &&
      parts[1] &&
      parts[2] === 'status' &&
      parts.length === 3 &&
      method === 'POST'
    ) {
      const status = model.setOperatorStatus(needAccount(), parts[1], parseJsonBody(rawBody));
      return { status: 200, body: { operatorId: parts[1], ...status } };
    }
    if (
      parts[0] === 'dialogs' &&
      parts[1] &&
      parts[2] === 'close' &&
      parts.length === 3 &&
      method === 'POST'
    ) {
      const account = needAccount();
      const dialog = model.closeDialog(account, parts[1]);
      return { status: 200, body: { dialogId: String(dialog.id), state: dialog.state } };
    }
    if (
      parts[0] === 'messages' &&
      parts[1] &&
      parts[2] === 'fail' &&
      parts.length === 3 &&
      method === 'POST'
    ) {
      const message = model.failMessage(needAccount(), parts[1], parseJsonBody(rawBody) ?? {});
      return { status: 200, body: { messageId: String(message.id), deliveryError: message.deliveryError } };
    }
    if (parts[0] === 'clients' && parts[1] && parts[2] === 'age' && parts.length === 3 && method === 'POST') {
      const account = needAccount();
      return {
        status: 200,
        body: model.clientView(account, model.ageClient(account, parts[1], parseJsonBody(rawBody) ?? {})),
      };
    }
    throw new SandboxApiError(404, PAGE_NOT_FOUND);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    if (url.pathname !== PREFIX && !url.pathname.startsWith(`${PREFIX}/`)) return false;
    const path = url.pathname.slice(PREFIX.length) || '';
    if (path === '') {
      writeAnswer(res, { status: 302, body: {}, headers: { Location: `${PREFIX}/${url.search}` } });
      return true;
    }
    try {
      if (path === '/v1' || path.startsWith('/v1/')) await handleApi(req, res, path, url);
      else writeAnswer(res, await routeHooks(req, path));
    } catch (err) {
      const answer = answerFromError(err);
      const message = isRecord(answer.body) ? answer.body.message : 'error';
      writeAnswer(res, {
        status: answer.status,
        body: {
          error: message,
          ...(err instanceof SandboxApiError && err.errors ? { errors: err.errors } : {}),
        },
      });
    }
    return true;
  }

  // Inactivity auto-close: one check of every open dialog, a few times per idle period.
  const idleMs = options.autoCloseIdleMs;
  const autoClose =
    idleMs === undefined
      ? undefined
      : setInterval(() => model.closeIdleDialogs(idleMs), Math.min(1000, Math.max(20, idleMs / 4)));
  autoClose?.unref();

  const sandbox: Sandbox = {
    handle,
    faults: {
      inject(rule: FaultRule) {
        faults.push({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
      },
      clear() {
        faults.length = 0;
      },
    },
    requests,
    webhooks(token: string): SandboxWebhook[] {
      return model.listWebhooks(model.account(token)).map((h) => model.publicWebhook(h));
    },
    async clientMessage(token: string, clientId: string, input: ClientMessageInput) {
      return model.clientMessage(model.account(token), clientId, input);
    },
    async closeDialog(token: string, dialogId: string) {
      model.closeDialog(model.account(token), dialogId);
    },
    async setOperatorStatus(token, operatorId, status) {
      model.setOperatorStatus(model.account(token), operatorId, status);
    },
    async closeRequest(token: string, clientId: string) {
      model.closeRequest(model.account(token), { client_id: clientId });
    },
    transcript(token: string, clientId: string): TranscriptEntry[] {
      return model.transcript(model.account(token), clientId);
    },
    setRateLimit(token: string, perSecond: number | null) {
      rateLimits.set(model.account(token).label, perSecond);
    },
    setWriteFirstOption(token: string, enabled: boolean) {
      writeFirst.set(model.account(token).label, enabled);
    },
    deliveries: deliverer.records as DeliveryRecord[],
    idle: (timeoutMs?: number) => deliverer.idle(timeoutMs),
    async stop() {
      clearInterval(autoClose);
      deliverer.stop();
    },
  };
  return sandbox;
}

export async function startSandboxServer(
  o: { port?: number; host?: string; options?: SandboxOptions } = {},
): Promise<{ url: string; apiUrl: string; sandbox: Sandbox; stop(): Promise<void> }> {
  const sandbox = createSandbox(o.options);
  const host = o.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    sandbox
      .handle(req, res)
      .then((handled) => {
        if (!handled) writeAnswer(res, errorEnvelope(404, PAGE_NOT_FOUND));
      })
      .catch(() => {
        if (!res.headersSent) writeAnswer(res, errorEnvelope(500, 'Internal sandbox error'));
        else res.destroy();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}${PREFIX}`;
  return {
    url,
    apiUrl: url,
    sandbox,
    async stop() {
      await sandbox.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
