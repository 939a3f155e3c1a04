/**
 * Inside one worker thread: one Lambda execution environment of one function.
 *
 * The environment (process.env of this thread) was set by the parent before this file ran, so
 * the function's module reads its configuration at load like a cold start. Every line the
 * function writes to stdout/stderr is sent to the parent instead (it counts outcomes and prints
 * it), with the function's name added to JSON lines that do not carry one (lines written outside
 * an invocation, e.g. at module load).
 */
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { InvokeMessage, ThreadData, ThreadMessage } from './function-thread-protocol';
import { createLambdaContext } from './lambda-context';

const data = workerData as ThreadData;
const port = parentPort;
if (!port) throw new Error('function-thread.ts runs only as a worker thread');

const send = (message: ThreadMessage) => port.postMessage(message);

function nameLine(line: string): string {
  if (line.startsWith('{') && !line.includes('"function_name"')) {
    return `{"function_name":${JSON.stringify(data.fn.functionName)},${line.slice(1)}`;
  }
  return line;
}

for (const stream of ['stdout', 'stderr'] as const) {
  let pending = '';
  const target = process[stream];
  target.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const lines = (pending + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))).split(
      '\n',
    );
    // The last piece is a line not yet ended (empty when the chunk ended with a newline).
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.length > 0) send({ type: 'log', stream, line: nameLine(line) });
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof target.write;
}

/** Native `import()`: this file may be compiled to CommonJS, which would turn it into require(). */
const importModule = new Function('specifier', 'return import(specifier)') as (
  s: string,
) => Promise<Record<string, unknown>>;

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

async function load(): Promise<Handler> {
  let mod: Record<string, unknown>;
  if (data.source.kind === 'bundle') {
    // The deployed functions run with NODE_OPTIONS=--enable-source-maps (connector-function.ts).
    process.setSourceMapsEnabled(true);
    // As Lambda's Node runtime loads `index.handler`: ESM (.mjs) or CommonJS (.js) alike.
    mod = await importModule(pathToFileURL(data.source.file).href);
  } else {
    mod = require(data.source.file) as Record<string, unknown>;
  }
  const fromDefault = (mod.default as Record<string, unknown> | undefined)?.handler;
  const handler = mod.handler ?? fromDefault;
  if (typeof handler !== 'function') throw new Error(`${data.source.file} exports no handler`);
  return handler as Handler;
}

function toWire(err: unknown) {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

load().then(
  (handler) => {
    port.on('message', (message: InvokeMessage) => {
      const context = createLambdaContext(data.fn, data.region, {
        deadline: message.deadline,
        awsRequestId: message.awsRequestId,
      });
      Promise.resolve()
        .then(() => handler(message.event, context))
        .then(
          (value) => send({ type: 'result', id: message.id, ok: true, value }),
          (err: unknown) => send({ type: 'result', id: message.id, ok: false, error: toWire(err) }),
        );
    });
    send({ type: 'ready' });
  },
  (err: unknown) => send({ type: 'init-error', error: toWire(err) }),
);
