/**
 * A "Chat2Desk" address a tenant may enter that does not behave: a real HTTP server on a free
 * loopback port that answers `GET /v1/companies/api_info` like Chat2Desk and every other request
 * the way the test chose:
 * - `bomb`: a gzip body of ~1 MB that expands to 1 GiB (built once per process, streamed);
 * - `drip`: the start of a JSON envelope, then one byte every 50 ms, never ending;
 * - `hang`: headers never sent; the request is held until the client gives up.
 * It is not the sandbox: Chat2Desk itself never does this, an address that only claims to be it may.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';

export type HostileBehaviour = 'bomb' | 'drip' | 'hang';

export interface HostileChat2Desk {
  apiUrl: string;
  /** Requests received, as `METHOD path`. */
  requests: string[];
  /** Compressed bytes of bomb bodies written to sockets (the client cancels long before the end). */
  bombBytesSent: number;
  stop(): Promise<void>;
}

/** Decompressed size of the bomb: 1 GiB of zeros. */
export const BOMB_EXPANDED_BYTES = 1024 ** 3;

let bomb: Promise<Buffer> | undefined;

/** The gzip of 1 GiB of zeros (~1 MB), compressed once per process, 1 MiB at a time. */
export function gzipBomb(): Promise<Buffer> {
  bomb ??= (async () => {
    const zeros = Buffer.alloc(1024 * 1024);
    const gzip = createGzip({ level: 9 });
    const parts: Buffer[] = [];
    gzip.on('data', (part: Buffer) => parts.push(part));
    const ended = once(gzip, 'end');
    for (let written = 0; written < BOMB_EXPANDED_BYTES; written += zeros.length) {
      if (!gzip.write(zeros)) await once(gzip, 'drain');
    }
    gzip.end();
    await ended;
    return Buffer.concat(parts);
  })();
  return bomb;
}

export async function startHostileChat2Desk(behaviour: HostileBehaviour): Promise<HostileChat2Desk> {
  const body = behaviour === 'bomb' ? await gzipBomb() : undefined;
  const open = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const state: HostileChat2Desk = {
    apiUrl: '',
    requests: [],
    bombBytesSent: 0,
    stop: async () => {
      for (const timer of timers) clearInterval(timer);
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests.push(`${req.method} ${req.url?.split('?')[0]}`);
    req.resume();
    if (req.url?.startsWith('/v1/companies/api_info')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { companyID: 1, company_name: 'Hostile' } }));
      return;
    }
    open.add(res);
    res.on('close', () => open.delete(res));
    if (behaviour === 'hang') return;
    if (behaviour === 'bomb' && body) {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': body.length,
      });
      // In slices, so the bytes that really left before the client hung up can be counted.
      const slice = 16 * 1024;
      let offset = 0;
      const pump = () => {
        while (offset < body.length && !res.destroyed) {
          const part = body.subarray(offset, offset + slice);
          offset += part.length;
          state.bombBytesSent += part.length;
          if (!res.write(part)) {
            res.once('drain', pump);
            return;
          }
        }
        if (offset >= body.length) res.end();
      };
      pump();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"status":"success","data":[');
    const timer = setInterval(() => res.write(' '), 50);
    timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
