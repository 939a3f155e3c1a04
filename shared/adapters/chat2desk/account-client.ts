/**
 * Account-level Chat2Desk calls used by channel management and the webhook healer:
 * `api_info` (address reachable + token accepted) and the webhook endpoints, with an idempotent
 * `registerWebhook`. Returns normalised results only; Chat2Desk field names stay in this folder.
 */
import * as z from 'zod/mini';
import type { AccountClient, AccountInfo, NewClientSpec } from '../../channels/ports';
import { Chat2DeskPermanentError, isChat2DeskError } from '../../errors';
import type {
  AccountWebhook,
  WebhookDeliveryError,
  WebhookRegistration,
  WebhookSpec,
} from '../../healing/ports';
import type { Chat2DeskHttp } from '../../outbound/ports';
import { createChat2DeskHttp, parseData } from './http';
import {
  operatorStatusOf,
  type WireCreateClientBody,
  wireClientListSchema,
  wireClientSchema,
  wireOperatorListSchema,
} from './wire-account';
import {
  type WireWebhook,
  type WireWebhookBody,
  wireApiInfoSchema,
  wireWebhookListSchema,
  wireWebhookSchema,
} from './wire-webhooks';

export type {
  AccountClient,
  AccountInfo,
  AccountWebhook,
  NewClientSpec,
  WebhookDeliveryError,
  WebhookRegistration,
  WebhookSpec,
};

/**
 * The subscription name that delivers the `operator_status_updated` hook. Chat2Desk's event list
 * names it `operator_status_changed`, and receivers that subscribe so get hooks typed
 * `operator_status_updated` (reference §8); an unknown name would make Chat2Desk refuse the whole
 * webhook, so only this one is sent (docs/INBOUND.md, "The bot operator's status").
 */
export const OPERATOR_STATUS_SUBSCRIPTION = 'operator_status_changed';

/** The events the connector subscribes to. */
export const CONNECTOR_WEBHOOK_EVENTS = [
  'inbox',
  'outbox',
  'close_dialog',
  'close_request',
  'dialog_transferred',
  'new_request',
  'outbox_status',
  OPERATOR_STATUS_SUBSCRIPTION,
] as const;

/** Chat2Desk allows this many webhooks per account (company). */
export const MAX_WEBHOOKS_PER_ACCOUNT = 5;

export interface AccountOperator {
  id: string;
  name: string;
  role?: string;
  /** Online to Chat2Desk ("Working"): `online` 1 and no `offline_type`; absent when not reported. */
  online?: boolean;
  /** Why Chat2Desk counts the operator offline (`offline_type`), when it says. */
  offlineType?: string;
}

export interface UnregisterSpec {
  /** Remove the webhook with this id, ... */
  id?: string;
  /** ... and every webhook with this URL or name ... */
  url?: string;
  name?: string;
  /** ... except this one (ours, just registered in the same account). */
  keepId?: string;
}

export interface Chat2DeskAccountClient {
  apiInfo(): Promise<AccountInfo>;
  listOperators(): Promise<AccountOperator[]>;
  /** Clients whose phone is this one (`GET /v1/clients?phone=`); empty when none. */
  findClientsByPhone(phone: string): Promise<AccountClient[]>;
  /** `POST /v1/clients`; a client that exists already is found again by phone. */
  createClient(spec: NewClientSpec): Promise<AccountClient>;
  listWebhooks(): Promise<AccountWebhook[]>;
  createWebhook(spec: WebhookSpec): Promise<AccountWebhook>;
  updateWebhook(id: string, spec: WebhookSpec & { enabled?: boolean }): Promise<AccountWebhook>;
  /** Resolves false when the webhook was already gone. */
  deleteWebhook(id: string): Promise<boolean>;
  /** Finds ours by URL (or by name), updates it, or creates it. Throws failure 'full' at the limit. */
  registerWebhook(spec: WebhookSpec): Promise<WebhookRegistration>;
  /** Removes ours; "already gone" is not an error. Resolves with the number removed. */
  unregisterWebhook(spec: UnregisterSpec): Promise<number>;
}

export interface Chat2DeskAccountClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  /** The process's Chat2Desk edge (edge.ts). */
  fetchImpl: typeof fetch;
  /** Ends every request of this client early when aborted. */
  signal?: AbortSignal;
  /** Body size limit after decompression; default `CHAT2DESK_MAX_RESPONSE_BYTES` (http.ts). */
  maxResponseBytes?: number;
}

function normaliseStatus(status: string | null | undefined): AccountWebhook['status'] {
  if (status === 'enable' || status === 'enabled' || status === 'active') return 'enabled';
  if (status === 'disable' || status === 'disabled' || status === 'inactive') return 'disabled';
  return status ? 'unknown' : 'enabled';
}

function normaliseWebhook(wire: WireWebhook): AccountWebhook {
  return {
    id: wire.id,
    name: wire.name ?? '',
    url: wire.url ?? '',
    events: wire.events ?? [],
    status: normaliseStatus(wire.status),
    errors: (wire.errors ?? []).map((e) =>
      typeof e === 'string'
        ? { text: e }
        : {
            text: typeof e.text === 'string' ? e.text : JSON.stringify(e.text ?? ''),
            ...(typeof e.created_at === 'string' ? { at: e.created_at } : {}),
          },
    ),
  };
}

function wireBody(spec: WebhookSpec, enabled = true): WireWebhookBody {
  return {
    name: spec.name,
    url: spec.url,
    events: [...(spec.events ?? CONNECTOR_WEBHOOK_EVENTS)],
    status: enabled ? 'enable' : 'disable',
  };
}

const LIMIT_TEXT = /limit|maximum|max\b|too many|no more than|not more than/i;
const URL_TAKEN_TEXT = /already (used|exist|taken|registered)/i;

function sameEvents(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
}

function writeFirstFlag(value: boolean | number | string | null | undefined): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  return ['1', 'true', 'yes', 'on'].includes(String(value).trim().toLowerCase());
}

function toCount(value: number | string | null | undefined): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

const CLIENT_EXISTS_TEXT = /already exist/i;

const idOnlySchema = z.looseObject({ id: z.union([z.number(), z.string()]) });

export function createChat2DeskAccountClient(options: Chat2DeskAccountClientOptions): Chat2DeskAccountClient {
  const http: Chat2DeskHttp = createChat2DeskHttp(options);

  /** PUT/POST answers are not always the full item: fall back to what we sent. */
  function webhookFrom(data: unknown, fallback: WebhookSpec, id?: string): AccountWebhook {
    const full = wireWebhookSchema.safeParse(data);
    if (full.success && full.data.url) return normaliseWebhook(full.data);
    const withId = idOnlySchema.safeParse(data);
    const resolvedId = withId.success ? String(withId.data.id) : id;
    if (!resolvedId) {
      throw new Chat2DeskPermanentError('invalidResponse', 'Chat2Desk webhook answer carries no id');
    }
    return {
      id: resolvedId,
      name: fallback.name,
      url: fallback.url,
      events: [...(fallback.events ?? CONNECTOR_WEBHOOK_EVENTS)],
      status: 'enabled',
      errors: [],
    };
  }

  const client: Chat2DeskAccountClient = {
    async apiInfo() {
      const response = await http({ method: 'GET', path: '/v1/companies/api_info' });
      const info = parseData(wireApiInfoSchema, response, 'GET /v1/companies/api_info');
      const companyId = info.companyID ?? info.company_id;
      const mode = info.company_mode ?? info.mode;
      const requestsThisMonth = toCount(info.requests_this_month);
      const writeFirst = writeFirstFlag(info.write_first_option);
      return {
        ...(companyId !== undefined && companyId !== null ? { companyId: String(companyId) } : {}),
        ...(info.company_name ? { companyName: info.company_name } : {}),
        ...(mode ? { mode } : {}),
        ...(requestsThisMonth !== undefined ? { requestsThisMonth } : {}),
        ...(writeFirst !== undefined ? { writeFirst } : {}),
      };
    },

    async listOperators() {
      const response = await http({ method: 'GET', path: '/v1/operators', query: { limit: 200 } });
      return parseData(wireOperatorListSchema, response, 'GET /v1/operators').map((o) => {
        const status = operatorStatusOf(o);
        return {
          id: o.id,
          name: [o.first_name, o.last_name].filter(Boolean).join(' ') || o.email || `operator ${o.id}`,
          ...(o.role ? { role: o.role } : {}),
          ...(status ? { online: status.online } : {}),
          ...(status?.offlineType ? { offlineType: status.offlineType } : {}),
        };
      });
    },

    async findClientsByPhone(phone) {
      const response = await http({ method: 'GET', path: '/v1/clients', query: { phone, limit: 200 } });
      if (response.data === null || response.data === undefined) return [];
      const data = parseData(wireClientListSchema, response, 'GET /v1/clients');
      return (Array.isArray(data) ? data : [data]).map((c) => ({
        id: c.id,
        ...(c.phone ? { phone: c.phone } : {}),
      }));
    },

    async createClient(spec) {
      const body: WireCreateClientBody = {
        phone: spec.phone,
        transport: spec.transport,
        ...(spec.c2dChannelId !== undefined ? { channel_id: Number(spec.c2dChannelId) } : {}),
      };
      try {
        const response = await http({ method: 'POST', path: '/v1/clients', body });
        const created = parseData(wireClientSchema, response, 'POST /v1/clients');
        return { id: created.id, ...(created.phone ? { phone: created.phone } : {}) };
      } catch (err) {
        // Created meanwhile (or found under another transport): it exists, find it again.
        if (isChat2DeskError(err) && err.failure === 'rejected' && CLIENT_EXISTS_TEXT.test(err.message)) {
          const [existing] = await client.findClientsByPhone(spec.phone);
          if (existing) return existing;
        }
        throw err;
      }
    },

    async listWebhooks() {
      const response = await http({ method: 'GET', path: '/v1/webhooks', query: { limit: 200 } });
      return parseData(wireWebhookListSchema, response, 'GET /v1/webhooks').map(normaliseWebhook);
    },

    async createWebhook(spec) {
      try {
        const response = await http({ method: 'POST', path: '/v1/webhooks', body: wireBody(spec) });
        return webhookFrom(response.data, spec);
      } catch (err) {
        // Chat2Desk answers the 6th webhook with a plain validation error that mentions the limit.
        if (
          err instanceof Chat2DeskPermanentError &&
          err.failure === 'rejected' &&
          LIMIT_TEXT.test(err.message)
        ) {
          throw new Chat2DeskPermanentError('full', err.message, err.httpStatus);
        }
        throw err;
      }
    },

    async updateWebhook(id, spec) {
      const response = await http({
        method: 'PUT',
        path: `/v1/webhooks/${encodeURIComponent(id)}`,
        body: wireBody(spec, spec.enabled ?? true),
      });
      return webhookFrom(response.data, spec, id);
    },

    async deleteWebhook(id) {
      try {
        await http({ method: 'DELETE', path: `/v1/webhooks/${encodeURIComponent(id)}` });
        return true;
      } catch (err) {
        if (isChat2DeskError(err) && err.failure === 'notFound') return false;
        throw err;
      }
    },

    async registerWebhook(spec) {
      const events = spec.events ?? CONNECTOR_WEBHOOK_EVENTS;
      const existing = await client.listWebhooks();
      const ours =
        existing.find((w) => w.url === spec.url) ??
        existing.find((w) => spec.name !== '' && w.name === spec.name);
      if (ours) {
        // Leftovers under our name (older URLs) would deliver twice: remove them, best effort.
        for (const extra of existing) {
          if (extra.id !== ours.id && extra.name === spec.name)
            await client.deleteWebhook(extra.id).catch(() => false);
        }
        if (
          ours.url === spec.url &&
          ours.name === spec.name &&
          ours.status === 'enabled' &&
          sameEvents(ours.events, events)
        ) {
          return { webhook: ours, outcome: 'unchanged' };
        }
        try {
          return { webhook: await client.updateWebhook(ours.id, spec), outcome: 'updated' };
        } catch (err) {
          // Deleted between our list and our update: create it below.
          if (!(isChat2DeskError(err) && err.failure === 'notFound')) throw err;
        }
      } else if (existing.length >= MAX_WEBHOOKS_PER_ACCOUNT) {
        throw new Chat2DeskPermanentError(
          'full',
          `Chat2Desk POST /v1/webhooks: the account already has ${existing.length} webhooks (limit ${MAX_WEBHOOKS_PER_ACCOUNT})`,
        );
      }
      try {
        return { webhook: await client.createWebhook(spec), outcome: 'created' };
      } catch (err) {
        // A concurrent registration of the same URL won: it is ours, use it.
        if (isChat2DeskError(err) && err.failure === 'rejected' && URL_TAKEN_TEXT.test(err.message)) {
          const again = (await client.listWebhooks()).find((w) => w.url === spec.url);
          if (again) return { webhook: again, outcome: 'unchanged' };
        }
        throw err;
      }
    },

    async unregisterWebhook(spec) {
      let removed = 0;
      if (spec.id && spec.id !== spec.keepId && (await client.deleteWebhook(spec.id))) removed += 1;
      if (spec.url || spec.name) {
        const matching = (await client.listWebhooks()).filter(
          (w) =>
            w.id !== spec.keepId &&
            w.id !== spec.id &&
            ((spec.url !== undefined && w.url === spec.url) ||
              (spec.name !== undefined && w.name === spec.name)),
        );
        for (const w of matching) if (await client.deleteWebhook(w.id)) removed += 1;
      }
      return removed;
    },
  };
  return client;
}
