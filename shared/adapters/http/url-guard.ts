/**
 * SSRF guard for outbound API addresses (DESIGN §3 invariant 8).
 *
 * A channel's `apiUrl` is typed by a person and then called by our functions with a secret token,
 * so it must be https and must not point into our own network: every address the host name
 * resolves to is checked against loopback, private, link-local, unique-local, multicast,
 * unspecified, CGNAT and other special-purpose ranges (IPv4 and IPv6, including IPv4 embedded in
 * IPv6). Local mode (the local stack's sandbox on http://127.0.0.1) switches the guard off.
 *
 * The range checks are pure; the DNS lookup is injected so tests need no network.
 */
import { isIP } from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all of its addresses (A and AAAA). */
export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

/**
 * Node's resolver is imported on the first lookup, not with this module: loading `node:dns` costs
 * a few ms that a cold start of a function that never calls out would pay for nothing.
 */
export const systemLookup: HostLookup = async (hostname) => {
  const { lookup: dnsLookup } = await import('node:dns/promises');
  const all = await dnsLookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

interface Range {
  base: bigint;
  bits: number;
  name: string;
}

function v4(cidr: string, name: string): Range {
  const [ip, bits] = cidr.split('/') as [string, string];
  return { base: ipv4ToBigInt(ip)!, bits: Number(bits), name };
}

function v6(cidr: string, name: string): Range {
  const [ip, bits] = cidr.split('/') as [string, string];
  return { base: ipv6ToBigInt(ip)!, bits: Number(bits), name };
}

/** The ranges, parsed on the first address checked (not at every cold start). */
function buildRanges() {
  const BLOCKED_V4: Range[] = [
    v4('0.0.0.0/8', 'unspecified'),
    v4('10.0.0.0/8', 'private'),
    v4('100.64.0.0/10', 'CGNAT'),
    v4('127.0.0.0/8', 'loopback'),
    v4('169.254.0.0/16', 'link-local'),
    v4('172.16.0.0/12', 'private'),
    v4('192.0.0.0/24', 'special-purpose'),
    v4('192.0.2.0/24', 'documentation'),
    v4('192.168.0.0/16', 'private'),
    v4('198.18.0.0/15', 'benchmarking'),
    v4('198.51.100.0/24', 'documentation'),
    v4('203.0.113.0/24', 'documentation'),
    v4('224.0.0.0/4', 'multicast'),
    v4('240.0.0.0/4', 'reserved'),
  ];

  const BLOCKED_V6: Range[] = [
    v6('::/128', 'unspecified'),
    v6('::1/128', 'loopback'),
    v6('fe80::/10', 'link-local'),
    v6('fec0::/10', 'site-local'),
    v6('fc00::/7', 'unique-local'),
    v6('ff00::/8', 'multicast'),
    v6('2001:db8::/32', 'documentation'),
    v6('100::/64', 'discard-only'),
  ];

  /** IPv6 prefixes that carry an IPv4 address in their last 32 bits (checked as that IPv4 address). */
  const EMBEDDING_V4: Range[] = [
    v6('::ffff:0:0/96', 'IPv4-mapped'),
    v6('::/96', 'IPv4-compatible'),
    v6('64:ff9b::/96', 'NAT64'),
    v6('64:ff9b:1::/48', 'NAT64'),
  ];

  const SIX_TO_FOUR = v6('2002::/16', '6to4');
  const TEREDO = v6('2001::/32', 'Teredo');
  return { BLOCKED_V4, BLOCKED_V6, EMBEDDING_V4, SIX_TO_FOUR, TEREDO };
}

let ranges: ReturnType<typeof buildRanges> | undefined;

export function ipv4ToBigInt(ip: string): bigint | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

export function ipv6ToBigInt(input: string): bigint | undefined {
  let ip = input;
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hextets.
  const lastColon = ip.lastIndexOf(':');
  if (lastColon >= 0 && ip.slice(lastColon + 1).includes('.')) {
    const quad = ipv4ToBigInt(ip.slice(lastColon + 1));
    if (quad === undefined) return undefined;
    ip = `${ip.slice(0, lastColon + 1)}${(quad >> 16n).toString(16)}:${(quad & 0xffffn).toString(16)}`;
  }
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  return value;
}

function inRange(value: bigint, range: Range, width: number): boolean {
  const shift = BigInt(width - range.bits);
  return value >> shift === range.base >> shift;
}

function blockedV4(value: bigint): string | undefined {
  ranges ??= buildRanges();
  return ranges.BLOCKED_V4.find((r) => inRange(value, r, 32))?.name;
}

/**
 * Why an address must not be called (e.g. "loopback", "private"), or undefined for a public one.
 * Anything that is not a well-formed IP address is refused as "not an IP address".
 */
export function blockedAddressReason(address: string): string | undefined {
  const family = isIP(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  if (family === 4) {
    const value = ipv4ToBigInt(address);
    return value === undefined ? 'not an IP address' : blockedV4(value);
  }
  if (family !== 6) return 'not an IP address';
  const value = ipv6ToBigInt(address);
  if (value === undefined) return 'not an IP address';
  ranges ??= buildRanges();
  const { BLOCKED_V6, EMBEDDING_V4, SIX_TO_FOUR, TEREDO } = ranges;
  for (const range of BLOCKED_V6) if (inRange(value, range, 128)) return range.name;
  for (const range of EMBEDDING_V4) {
    if (inRange(value, range, 128)) {
      const reason = blockedV4(value & 0xffffffffn);
      return reason ? `${reason} (${range.name})` : undefined;
    }
  }
  if (inRange(value, SIX_TO_FOUR, 128)) {
    const reason = blockedV4((value >> 80n) & 0xffffffffn);
    return reason ? `${reason} (6to4)` : undefined;
  }
  if (inRange(value, TEREDO, 128)) {
    // Teredo carries the client's IPv4 address inverted in the last 32 bits.
    const reason = blockedV4(~value & 0xffffffffn);
    return reason ? `${reason} (Teredo)` : undefined;
  }
  return undefined;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export interface UrlGuardOptions {
  /** Local mode: http and loopback/private targets are allowed (the sandbox on 127.0.0.1). */
  localMode: boolean;
  lookup?: HostLookup;
}

/** The checks that need no network: scheme, credentials, literal IP addresses. */
export function checkUrlSyntax(raw: string, localMode: boolean): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a valid URL' };
  }
  if (url.protocol !== 'https:' && !(localMode && url.protocol === 'http:')) {
    return { ok: false, reason: 'must use https' };
  }
  if (url.username || url.password) return { ok: false, reason: 'must not contain a user name or password' };
  if (!url.hostname) return { ok: false, reason: 'has no host' };
  if (localMode) return { ok: true, url };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const reason = blockedAddressReason(host);
    if (reason) return { ok: false, reason: `points to a ${reason} address` };
  } else if (/(^|\.)localhost$/i.test(host) || !host.includes('.')) {
    return { ok: false, reason: 'must be a public host name' };
  }
  return { ok: true, url };
}

export type ResolvedUrlCheck =
  | { ok: true; url: URL }
  | { ok: false; reason: string; kind: 'forbidden' | 'unresolvable' };

export interface UrlGuard {
  /** Syntax checks plus DNS: every address the host resolves to must be public. */
  check(raw: string): Promise<ResolvedUrlCheck>;
}

export function createUrlGuard(options: UrlGuardOptions): UrlGuard {
  const lookup = options.lookup ?? systemLookup;
  return {
    async check(raw) {
      const syntax = checkUrlSyntax(raw, options.localMode);
      if (!syntax.ok) return { ...syntax, kind: 'forbidden' };
      if (options.localMode) return syntax;
      const host = syntax.url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host)) return syntax;
      let addresses: ResolvedAddress[];
      try {
        addresses = await lookup(host);
      } catch {
        return { ok: false, kind: 'unresolvable', reason: `host ${host} could not be resolved` };
      }
      if (addresses.length === 0) {
        return { ok: false, kind: 'unresolvable', reason: `host ${host} could not be resolved` };
      }
      for (const { address } of addresses) {
        const reason = blockedAddressReason(address);
        if (reason) return { ok: false, kind: 'forbidden', reason: `resolves to a ${reason} address` };
      }
      return syntax;
    },
  };
}
