/**
 * The console: the platform's channel panel for the local stack (`/console/`), a static page (no
 * build step) that drives `POST /management` only, plus the counters of `/local/counters`.
 * See docs/CONSOLE.md.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';

const PAGE_DIR = join(__dirname, 'page');
const FILES: Record<string, { file: string; contentType: string }> = {
  '/console/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', contentType: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', contentType: 'text/css; charset=utf-8' },
};

export function createConsoleApp() {
  return {
    async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
      const url = new URL(req.url ?? '/', 'http://local');
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (url.pathname === '/console') {
        res.writeHead(302, { location: `/console/${url.search}` });
        res.end();
        return true;
      }
      const entry = FILES[url.pathname];
      if (!entry) return false;
      const body = await readFile(join(PAGE_DIR, entry.file));
      res.writeHead(200, { 'content-type': entry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}
