import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chat2deskSignature } from '../../../infra/local/sandbox/signature';
import { createAgentEventsClient } from '../../../shared/adapters/agent/agent-events-client';
import {
  verifyChat2DeskSignature,
  verifySignatureWithKey,
} from '../../../shared/adapters/chat2desk/signature';
import type { AgentEvent } from '../../../shared/domain/agent-contract';
import { PermanentError, RetryableError } from '../../../shared/errors';
import { withDeadline } from '../../../shared/record-context';
import { backoffDelay } from '../../../shared/retry';
import { makeTestToken } from '../../support/tokens';
import { signChat2Desk } from '../../support/webhook-events';

describe('Chat2Desk signature', () => {
  const token = makeTestToken('sig');
  const body = '{"hook_type":"inbox","message_id":1}';
  it.each(['hex', 'raw'] as const)('accepts the MD5 key as %s', (encoding) => {
    expect(
      verifyChat2DeskSignature(token, body, '1700000000', signChat2Desk(token, body, '1700000000', encoding)),
    ).toBe(true);
  });
  it('accepts upper-case hex and a Buffer body', () => {
    const sig = signChat2Desk(token, body, '1').toUpperCase();
    expect(verifyChat2DeskSignature(token, Buffer.from(body), '1', sig)).toBe(true);
  });
  it.each([
    ['another body', `${body} `, '1', undefined],
    ['another timestamp', body, '2', undefined],
    ['not hex', body, '1', 'zz'],
    ['empty', body, '1', ''],
  ])('rejects %s', (_name, signedBody, timestamp, forced) => {
    const signature = forced ?? signChat2Desk(token, body, '1');
    expect(verifyChat2DeskSignature(token, signedBody, timestamp, signature)).toBe(false);
  });
  it("reproduces the vendor's published test vector (key md5_api_token, the inbox example, 1743681006)", () => {
    // Reference §8: the 553-byte inbox example of the vendor's "Webhook Signature Verification".
    const vendorBody =
      '{"message_id":28780,"type":"from_client","text":"test7","transport":"widget","client_id":12568,"operator_id":null,"dialog_id":942,"channel_id":1,"photo":null,"coordinates":null,"audio":null,"pdf":null,"client":{"id":12568,"phone":"[chat] 1d0bb2e221762cfcc05c","client_phone":null,"name":"[chat] 1d0bb2e221762cfcc05c","assigned_name":null,"external_id":null},"hook_type":"inbox","request_id":5357,"attachments":[],"is_new_request":false,"is_new_client":false,"insta_comment":false,"extra_data":{},"is_new":true,"event_time":"2025-04-03T11:50:06.984494Z"}';
    const vendorSignature = '88b574d8237e1b7740f88102018b734d3dd5bc6803c509a3694eff9721b0c595';
    expect(Buffer.byteLength(vendorBody)).toBe(553);
    expect(verifySignatureWithKey('md5_api_token', vendorBody, '1743681006', vendorSignature)).toBe(true);
    expect(
      verifySignatureWithKey('md5_api_token', Buffer.from(vendorBody), '1743681006', vendorSignature),
    ).toBe(true);
    expect(verifySignatureWithKey('md5_api_token', vendorBody, '1743681007', vendorSignature)).toBe(false);
    expect(verifySignatureWithKey('md5_api_token', `${vendorBody} `, '1743681006', vendorSignature)).toBe(
      false,
    );
  });
  it("verifies the local sandbox's signed deliveries", () => {
    expect(
      verifyChat2DeskSignature(token, body, '1700000000', chat2deskSignature(token, body, 1700000000)),
    ).toBe(true);
  });
  it('rejects a signature made with another token', () => {
    expect(verifyChat2DeskSignature(token, body, '1', signChat2Desk(makeTestToken(), body, '1'))).toBe(false);
  });
});

describe('agent events client', () => {
  const event: AgentEvent = {
    eventId: 'ch:inbox:1',
    channel: { id: 'ch', type: 'chat2desk' },
    chatId: '1|chat2desk',
    clientMessage: 'hi',
    attachments: [],
    variables: {},
  };

  async function server(answers: Array<{ status: number; body: string; delayMs?: number }>) {
    const seen: Array<{ url: string; auth: string | undefined; body: string }> = [];
    const s = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          url: req.url ?? '',
          auth: req.headers.authorization,
          body: Buffer.concat(chunks).toString(),
        });
        const a = answers.shift() ?? { status: 200, body: '{"replies":[]}' };
        setTimeout(() => {
          if (res.destroyed) return;
          res.writeHead(a.status, { 'content-type': 'application/json' });
          res.end(a.body);
        }, a.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    return {
      url,
      seen,
      stop: () =>
        new Promise<void>((r) => {
          s.closeAllConnections();
          s.close(() => r());
        }),
    };
  }

  const client = (url: string, maxAttempts = 3, timeoutMs = 1000) =>
    createAgentEventsClient({
      baseUrl: `${url}/`,
      apiKey: 'k',
      timeoutMs,
      maxAttempts,
      sleep: async () => {},
    });

  it('posts the event with the bearer key and returns the validated replies', async () => {
    const s = await server([{ status: 200, body: '{"replies":[{"type":"text","text":"hello"}],"extra":1}' }]);
    try {
      const result = await client(s.url).sendEvent('agent/1', event);
      expect(result.replies).toEqual([{ type: 'text', text: 'hello' }]);
      expect(s.seen[0]).toEqual({
        url: '/agents/agent%2F1/events',
        auth: 'Bearer k',
        body: JSON.stringify(event),
      });
    } finally {
      await s.stop();
    }
  });

  it('retries 5xx and 429 in the invocation, then succeeds', async () => {
    const s = await server([
      { status: 503, body: '' },
      { status: 429, body: '' },
      { status: 200, body: '{"replies":[]}' },
    ]);
    try {
      // A timeout well above a loopback answer's time: under a full run's load one took > 150 ms.
      await expect(client(s.url, 4, 2000).sendEvent('a', event)).resolves.toEqual({ replies: [] });
      expect(s.seen).toHaveLength(3);
    } finally {
      await s.stop();
    }
  });

  it('a timeout is not tried again in the same invocation: it is retryable, SQS redelivers later', async () => {
    const s = await server([
      { status: 200, body: '{"replies":[]}', delayMs: 300 },
      { status: 200, body: '{"replies":[]}' },
    ]);
    try {
      await expect(client(s.url, 4, 150).sendEvent('a', event)).rejects.toMatchObject({
        code: 'AGENT_TIMEOUT',
      });
      expect(s.seen).toHaveLength(1);
    } finally {
      await s.stop();
    }
  });

  it('no retry starts that would end past the deadline; every attempt is announced first', async () => {
    const s = await server([
      { status: 503, body: '' },
      { status: 200, body: '{"replies":[]}' },
    ]);
    let announced = 0;
    try {
      const deadlineMs = Date.now() + 500;
      await expect(
        withDeadline(deadlineMs, () =>
          client(s.url, 3, 1000).sendEvent('a', event, {
            beforeAttempt: async () => {
              announced += 1;
            },
          }),
        ),
      ).rejects.toMatchObject({ code: 'AGENT_UNAVAILABLE' });
      expect(s.seen).toHaveLength(1);
      expect(announced).toBe(1);
    } finally {
      await s.stop();
    }
  });

  it('gives up after maxAttempts with a retryable error', async () => {
    const s = await server([
      { status: 500, body: '' },
      { status: 502, body: '' },
    ]);
    try {
      await expect(client(s.url, 2).sendEvent('a', event)).rejects.toBeInstanceOf(RetryableError);
      expect(s.seen).toHaveLength(2);
    } finally {
      await s.stop();
    }
  });

  it('a network error is retryable', async () => {
    await expect(client('http://127.0.0.1:1', 2).sendEvent('a', event)).rejects.toBeInstanceOf(
      RetryableError,
    );
  });

  it.each([
    ['a 400', { status: 400, body: '{}' }],
    ['a 404', { status: 404, body: '{}' }],
    ['not JSON', { status: 200, body: 'hello' }],
    ['no replies', { status: 200, body: '{"answer":"hi"}' }],
    ['a bad reply', { status: 200, body: '{"replies":[{"type":"text"}]}' }],
  ])('%s is permanent and not retried', async (_name, answer) => {
    const s = await server([answer]);
    try {
      await expect(client(s.url).sendEvent('a', event)).rejects.toBeInstanceOf(PermanentError);
      expect(s.seen).toHaveLength(1);
    } finally {
      await s.stop();
    }
  });

  it('backoff is full jitter under an exponential cap', () => {
    const backoff = { baseDelayMs: 200, maxDelayMs: 5000 };
    expect(backoffDelay(backoff, 1, () => 0.999)).toBe(199);
    expect(backoffDelay(backoff, 3, () => 0.5)).toBe(400);
    expect(backoffDelay(backoff, 10, () => 0.999)).toBe(4995);
    expect(backoffDelay(backoff, 2, () => 0)).toBe(0);
  });
});
