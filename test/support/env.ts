/**
 * Runs before each test file: a test environment for the AWS SDK and the functions, and a capture
 * of everything written to stdout/stderr (log lines) into test-output/logs for the secret scan.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'DEBUG';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'Chat2DeskChannelTest';
process.env.POWERTOOLS_SERVICE_NAME = 'chat2desk-channel-test';

const logDir = join(__dirname, '..', '..', 'test-output', 'logs');
const logFile = join(logDir, `worker-${process.env.JEST_WORKER_ID ?? '0'}-${process.pid}.log`);
const CAPTURED = Symbol.for('chat2desk.test.captured');
const SHOW_LOGS = process.env.SHOW_LOGS === 'true';

for (const stream of [process.stdout, process.stderr] as const) {
  const tagged = stream as NodeJS.WriteStream & { [CAPTURED]?: boolean };
  if (tagged[CAPTURED]) continue;
  tagged[CAPTURED] = true;
  const original = stream.write.bind(stream);
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    try {
      mkdirSync(logDir, { recursive: true });
      appendFileSync(logFile, typeof chunk === 'string' ? chunk : Buffer.from(chunk));
    } catch {
      // the capture must never break a test
    }
    // Log lines (JSON) stay in the capture; anything else on stderr is jest's own report and
    // passes through, so a failing test still says why.
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const passThrough = SHOW_LOGS || (stream === process.stderr && !text.trimStart().startsWith('{'));
    if (passThrough) return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof stream.write;
}
