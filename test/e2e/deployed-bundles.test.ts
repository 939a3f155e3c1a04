/**
 * The deployed artifacts are the ones tested: the e2e scenarios once more, against the esbuild
 * bundles built with the CDK construct's settings (infra/constructs/function-bundling.ts), each
 * loaded in its own worker thread as Lambda loads `index.handler`. A bundling or output-format
 * change that breaks a function fails here.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { BUNDLE_FILE_NAME } from '../../infra/constructs/function-bundling';
import { makeTestToken } from '../support/tokens';
import { clientSays, createActiveChannel, eventually, replyMatching } from './helpers';
import { describeStackScenarios } from './stack-scenarios';

jest.setTimeout(120_000);

const functionLines: string[] = [];

describeStackScenarios(
  'local stack, the deployed bundles in worker threads',
  {
    bundles: true,
    functionLog: (line, stream) => {
      functionLines.push(line);
      process[stream].write(`${line}\n`);
    },
  },
  (current) => {
    it('runs every function from its bundle, each in its own thread', () => {
      const { stack } = current();
      expect(stack.runtime).toBe('threads');
      const files = Object.values(stack.bundles ?? {});
      expect(files).toHaveLength(5);
      for (const file of files) {
        expect(existsSync(file)).toBe(true);
        expect(basename(file)).toBe(BUNDLE_FILE_NAME);
      }
      expect(Object.keys(stack.threads).sort()).toEqual([
        'channels',
        'reply',
        'webhook',
        'webhookHealer',
        'worker',
      ]);
      // The scenarios above ran through the worker and the reply function's threads.
      expect(stack.threads.worker?.cpu().activeMs).toBeGreaterThan(0);
      expect(stack.threads.reply?.cpu().activeMs).toBeGreaterThan(0);
    });

    it('names its own function in every log line, and the console counts from those lines', async () => {
      const { stack } = current();
      const token = makeTestToken('e2e-bundle-lines');
      const { id } = await createActiveChannel(stack.url, token);
      await clientSays(stack.url, token, '611', { text: 'count me' });
      await replyMatching(stack.url, token, '611', 'You said: count me');

      type LogRecord = {
        message?: string;
        function_name?: string;
        request_id?: string;
        channelId?: string;
        cold_start?: boolean;
      };
      const parsed = () =>
        functionLines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogRecord);
      // The reply function logs "reply delivered" after the send, and its lines cross threads: wait.
      await eventually(async () =>
        parsed().some((r) => r.channelId === id && r.message === 'reply delivered') ? true : undefined,
      );
      const records = parsed();
      expect(records.length).toBeGreaterThan(0);
      const prefix = `e2e-${process.pid}-`;
      for (const r of records) expect(r.function_name).toMatch(new RegExp(`^${prefix}`));
      // Each thread is an environment: its first invocation is a cold start, the next ones are not.
      const ofWorker = records.filter((r) => r.function_name === `${prefix}worker` && r.request_id);
      const first = ofWorker[0]?.request_id;
      expect(ofWorker[0]?.cold_start).toBe(true);
      const later = ofWorker.filter((r) => r.request_id !== first);
      expect(later.length).toBeGreaterThan(0);
      expect(later.some((r) => r.cold_start === true)).toBe(false);
      const mine = records.filter((r) => r.channelId === id);
      expect(mine.find((r) => r.message === 'inbound event answered')?.function_name).toBe(`${prefix}worker`);
      expect(mine.find((r) => r.message === 'reply delivered')?.function_name).toBe(`${prefix}reply`);
      expect(functionLines.some((l) => l.includes(token))).toBe(false);

      const counters = (await (await fetch(`${stack.url}/local/counters`)).json()) as {
        channels: Record<string, { received: number; answered: number; repliesSent: number }>;
      };
      expect(counters.channels[id]).toMatchObject({ received: 1, answered: 1, repliesSent: 1 });
    });
  },
);
