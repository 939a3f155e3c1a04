/**
 * The one outbound HTTP edge to Chat2Desk (DESIGN §3 invariant 8): one undici `Agent` per process,
 * used by channel management, the reply function and the webhook healer alike.
 *
 * The SSRF guard sits at connect time: the Agent's connector resolves the host itself and refuses
 * to open a socket to any loopback, private, link-local or other non-public address (IPv4 and
 * IPv6, embedded IPv4 included), and refuses literal addresses of those ranges. The address that
 * is checked is the address that is connected to, so DNS rebinding (public at save time, private
 * at call time) cannot pass. Local mode (the sandbox on 127.0.0.1) connects anywhere.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type * as Undici from 'undici';
import { blockedAddressReason, type HostLookup, systemLookup } from '../http/url-guard';

export class ForbiddenAddressError extends Error {
  readonly code = 'EFORBIDDENADDRESS';
  constructor(host: string, reason: string) {
    super(`${host} resolves to a ${reason} address: not connecting`);
    this.name = 'ForbiddenAddressError';
  }
}

export interface Chat2DeskEdgeOptions {
  localMode: boolean;
  /** How host names are resolved at connect time (tests inject one). */
  lookup?: HostLookup;
  /** Connect timeout; requests carry their own overall timeout. Default 10 s. */
  connectTimeoutMs?: number;
}

export interface Chat2DeskEdge {
  fetch: typeof fetch;
  close(): Promise<void>;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `dns.lookup`-shaped function that answers only public addresses. */
function publicOnlyLookup(lookup: HostLookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    lookup(hostname).then(
      (addresses) => {
        if (addresses.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`host ${hostname} could not be resolved`);
          err.code = 'ENOTFOUND';
          callback(err, '');
          return;
        }
        for (const { address } of addresses) {
          const reason = blockedAddressReason(address);
          if (reason) {
            callback(new ForbiddenAddressError(hostname, reason), '');
            return;
          }
        }
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = wanted ? addresses.filter((a) => a.family === wanted) : addresses;
        if (options.all)
          callback(
            null,
            usable.map((a) => ({ address: a.address, family: a.family })),
          );
        else callback(null, usable[0]?.address ?? '', usable[0]?.family ?? 4);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

export function createChat2DeskEdge(options: Chat2DeskEdgeOptions): Chat2DeskEdge {
  // Loaded when the first edge is built, not at cold start: undici is ~0.5 MB of the bundle and
  // a function that never calls Chat2Desk in an invocation does not pay for loading it.
  const { Agent, buildConnector, fetch: undiciFetch } = require('undici') as typeof Undici;
  const timeout = options.connectTimeoutMs ?? 10_000;
  let agent: Undici.Agent;
  if (options.localMode) {
    agent = new Agent({ connect: { timeout } });
  } else {
    const connector = buildConnector({
      timeout,
      lookup: publicOnlyLookup(options.lookup ?? systemLookup) as never,
    });
    agent = new Agent({
      connect: (opts, callback) => {
        // A literal address is never looked up: checked here.
        const host = opts.hostname.replace(/^\[|\]$/g, '');
        const reason = isIP(host) ? blockedAddressReason(host) : undefined;
        if (reason) {
          callback(new ForbiddenAddressError(host, reason), null);
          return;
        }
        connector(opts, callback);
      },
    });
  }
  const edgeFetch = ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) =>
    undiciFetch(
      input as never,
      { ...(init as object), dispatcher: agent } as never,
    )) as unknown as typeof fetch;
  return { fetch: edgeFetch, close: () => agent.close() };
}

const edges = new Map<boolean, Chat2DeskEdge>();

/** The process's edge (one connection pool per process), built on first use. */
export function getChat2DeskEdge(localMode: boolean): Chat2DeskEdge {
  let edge = edges.get(localMode);
  if (!edge) {
    edge = createChat2DeskEdge({ localMode });
    edges.set(localMode, edge);
  }
  return edge;
}

/** The process's edge as a `fetch`, built on its first call (cold starts do not load undici). */
export function chat2deskFetch(localMode: boolean): typeof fetch {
  return ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) =>
    getChat2DeskEdge(localMode).fetch(input, init)) as typeof fetch;
}
