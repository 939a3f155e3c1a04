/** The local EventBridge rule: a Scheduled Event, one run at a time, failures reported, stop waits. */
import type { ScheduledEvent } from 'aws-lambda';
import { scheduledEvent, startSchedule } from '../../../infra/local/runtime/schedule';

describe('local schedule', () => {
  it('builds the Scheduled Event EventBridge sends', () => {
    const event = scheduledEvent('heal-rule', 'eu-west-1', new Date('2026-11-26T05:00:00.123Z'));
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      region: 'eu-west-1',
      time: '2026-11-26T05:00:00Z',
      resources: ['arn:aws:events:eu-west-1:000000000000:rule/heal-rule'],
      detail: {},
    });
  });

  it('never runs twice at once, reports a failed run, and lets stop() wait for the run in progress', async () => {
    const events: ScheduledEvent[] = [];
    let release: () => void = () => undefined;
    let fail = false;
    const problems: string[] = [];
    const schedule = startSchedule({
      fn: { functionName: 'test-healer', timeoutMs: 5000 },
      handler: async (event) => {
        events.push(event);
        if (fail) throw new Error('cannot list channels');
        await new Promise<void>((r) => {
          release = r;
        });
      },
      intervalMs: 0,
      region: 'us-east-1',
      report: (line) => problems.push(line),
    });
    const first = schedule.runNow();
    const second = schedule.runNow();
    await new Promise((r) => setImmediate(r));
    expect(events).toHaveLength(1);
    release();
    await Promise.all([first, second]);
    expect(schedule.runs).toBe(1);

    fail = true;
    await schedule.runNow();
    expect(schedule.runs).toBe(2);
    expect(problems).toEqual(['test-healer: run failed (Error)']);

    fail = false;
    const third = schedule.runNow();
    await new Promise((r) => setImmediate(r));
    let stopped = false;
    const stopping = schedule.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await Promise.all([third, stopping]);
    expect(stopped).toBe(true);
    await schedule.runNow();
    expect(events).toHaveLength(3);
  });
});
