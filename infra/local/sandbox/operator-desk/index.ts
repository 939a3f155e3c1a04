/**
 * The operator desk (`/sandbox/operator/?token=…`): a human operator's side of the sandbox account.
 * Static files only; the page uses the sandbox's own API (`/sandbox/v1/...`) and test hooks, and
 * reads whether the bot is muted from the local stack's `/local/bot-muted`. See docs/CONSOLE.md.
 */
import { join } from 'node:path';

const FILES: Record<string, { file: string; contentType: string }> = {
  '/operator/': { file: 'desk.html', contentType: 'text/html; charset=utf-8' },
  '/operator/desk.js': { file: 'desk.js', contentType: 'text/javascript; charset=utf-8' },
};

/** The file serving a desk path (after `/sandbox`), if any. */
export function operatorDeskFile(path: string): { path: string; contentType: string } | undefined {
  const entry = FILES[path === '/operator' ? '/operator/' : path];
  return entry ? { path: join(__dirname, entry.file), contentType: entry.contentType } : undefined;
}
