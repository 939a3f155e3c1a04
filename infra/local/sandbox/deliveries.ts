/**
 * Webhook deliveries like Chat2Desk's: one POST per event and subscribed, enabled webhook; signed
 * with X-Signature/X-Timestamp; a failure (non-2xx or network error) is retried on a compressed
 * schedule with the same body and timestamp. Events of one client to one webhook go through one
 * queue, so a retry of message 1 is never overtaken by message 2.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ACCOUNT_WIDE, type Account, type WebhookEvent, type WebhookState } from './model';
import { chat2deskSignature } from './signature';
import type { DeliveryRecord } from './types';

export interface DeliveryOptions {
  retryDelaysMs: number[];
  sign: boolean;
  disableAfterMs: number;
  timeoutMs: number;
  firstDelayMs: number;
  /** The subscription name that delivers a hook type (`subscriptionOf` with the realism switches). */
  subscriptionOf: (hookType: string) => string;
}

interface Job {
  account: Account;
  hook: WebhookState;
  hookType: string;
  body: string;
  timestamp: string;
  attempts: number;
  /** Called once the first attempt is over (or the job is dropped untried). */
  firstAttemptDone: () => void;
}

interface Queue {
  jobs: Job[];
  busy: boolean;
}

const MAX_ERRORS_KEPT = 50;

function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          ...headers,
        },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export class WebhookDeliverer {
  readonly records: DeliveryRecord[] = [];
  private readonly queues = new Map<string, Queue>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private pending = 0;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: DeliveryOptions) {}

  /**
   * Queues the event for every enabled webhook of the account subscribed to it. Resolves when the
   * first attempt of each of those deliveries is over (at once when there is none).
   */
  enqueue(account: Account, event: WebhookEvent, clientId: number, channelId: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const firstAttempts: Promise<void>[] = [];
    const body = JSON.stringify(event);
    const timestamp = String(Math.floor(Date.now() / 1000));
    for (const hook of account.webhooks.values()) {
      if (hook.status !== 'enable' || !hook.events.includes(this.options.subscriptionOf(event.hook_type)))
        continue;
      if (channelId !== ACCOUNT_WIDE && hook.channels.length > 0 && !hook.channels.includes(channelId)) {
        continue;
      }
      const key = `${hook.id}|${clientId}`;
      let queue = this.queues.get(key);
      if (!queue) {
        queue = { jobs: [], busy: false };
        this.queues.set(key, queue);
      }
      let firstAttemptDone: () => void = () => {};
      firstAttempts.push(
        new Promise<void>((resolve) => {
          firstAttemptDone = resolve;
        }),
      );
      queue.jobs.push({
        account,
        hook,
        hookType: event.hook_type,
        body,
        timestamp,
        attempts: 0,
        firstAttemptDone,
      });
      this.pending += 1;
      if (!queue.busy) {
        queue.busy = true;
        this.later(this.options.firstDelayMs, () => this.work(key));
      }
    }
    return Promise.all(firstAttempts).then(() => undefined);
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
  }

  private async work(key: string): Promise<void> {
    const queue = this.queues.get(key);
    if (!queue) return;
    const job = queue.jobs[0];
    if (!job) {
      queue.busy = false;
      this.queues.delete(key);
      this.checkIdle();
      return;
    }
    const live = job.account.webhooks.get(job.hook.id) === job.hook && job.hook.status === 'enable';
    if (live) {
      const ok = await this.attempt(job);
      job.firstAttemptDone();
      if (this.stopped) return;
      if (!ok && job.attempts <= this.options.retryDelaysMs.length && this.hookLive(job)) {
        const delay = this.options.retryDelaysMs[job.attempts - 1] ?? 0;
        this.later(delay, () => void this.work(key));
        return;
      }
    }
    queue.jobs.shift();
    job.firstAttemptDone();
    this.pending -= 1;
    this.checkIdle();
    void this.work(key);
  }

  private hookLive(job: Job): boolean {
    return job.account.webhooks.get(job.hook.id) === job.hook && job.hook.status === 'enable';
  }

  /** One attempt; records it and updates the webhook's error log. */
  private async attempt(job: Job): Promise<boolean> {
    job.attempts += 1;
    const headers: Record<string, string> = {};
    let signature: string | undefined;
    if (this.options.sign) {
      signature = chat2deskSignature(job.account.token, job.body, job.timestamp);
      headers['X-Signature'] = signature;
      headers['X-Timestamp'] = job.timestamp;
    }
    const record: DeliveryRecord = {
      at: Date.now(),
      url: job.hook.url,
      webhookId: String(job.hook.id),
      hookType: job.hookType,
      attempt: job.attempts,
      body: job.body,
      timestamp: job.timestamp,
      ...(signature ? { signature } : {}),
    };
    let failure: string | undefined;
    try {
      const { status } = await post(job.hook.url, job.body, headers, this.options.timeoutMs);
      record.status = status;
      if (status < 200 || status >= 300) failure = `HTTP ${status}`;
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
      record.error = failure;
    }
    this.records.push(record);
    const now = Date.now();
    if (failure === undefined) {
      job.hook.failingSince = undefined;
      return true;
    }
    job.hook.errors.push({ text: `${job.hookType}: ${failure}`, created_at: new Date(now).toISOString() });
    if (job.hook.errors.length > MAX_ERRORS_KEPT) job.hook.errors.shift();
    job.hook.failingSince ??= now;
    if (now - job.hook.failingSince >= this.options.disableAfterMs) job.hook.status = 'disable';
    return false;
  }

  private checkIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  idle(timeoutMs = 10_000): Promise<void> {
    if (this.pending === 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        reject(new Error(`sandbox: ${this.pending} webhook deliveries still pending after ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.push(done);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const queue of this.queues.values()) for (const job of queue.jobs) job.firstAttemptDone();
    this.queues.clear();
    this.pending = 0;
    this.checkIdle();
  }
}
