/**
 * An EventBridge schedule rule, locally: invokes a function with a `Scheduled Event` at a fixed
 * rate, never two runs at once (a run still going when the next is due is skipped, as a late
 * Lambda would simply overlap less).
 */
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { invokeLocally, type LambdaHandler, LOCAL_ACCOUNT_ID, type LocalFunction } from './lambda-context';

export interface LocalSchedule {
  /** Runs now unless a run is in progress; resolves when that run ends. */
  runNow(): Promise<void>;
  readonly runs: number;
  stop(): Promise<void>;
}

export function scheduledEvent(ruleName: string, region: string, now = new Date()): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${ruleName}`],
    detail: {},
  };
}

export function startSchedule(options: {
  fn: LocalFunction;
  handler: LambdaHandler<ScheduledEvent, unknown>;
  intervalMs: number;
  region: string;
  report: (line: string) => void;
}): LocalSchedule {
  let current: Promise<void> | undefined;
  let runs = 0;
  let stopped = false;

  const runNow = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    current ??= invokeLocally(
      options.fn,
      options.handler,
      scheduledEvent(`${options.fn.functionName}-schedule`, options.region),
      options.region,
    )
      .then(
        () => undefined,
        (err: unknown) => options.report(`${options.fn.functionName}: run failed (${(err as Error).name})`),
      )
      .finally(() => {
        runs += 1;
        current = undefined;
      });
    return current;
  };

  const timer = options.intervalMs > 0 ? setInterval(() => void runNow(), options.intervalMs) : undefined;
  timer?.unref();

  return {
    runNow,
    get runs() {
      return runs;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
