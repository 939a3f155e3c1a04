/** Debian's Chromium for the browser tests (playwright-core drives it; no browser is downloaded). */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { REPO_ROOT } from '../../infra/local/runtime/stack';

export const CHROMIUM = '/usr/bin/chromium';

/** test-output/screenshots, or docs/images with UPDATE_SCREENSHOTS=true (`npm run screenshots`). */
export function screenshotDir(): string {
  const dir =
    process.env.UPDATE_SCREENSHOTS === 'true'
      ? join(REPO_ROOT, 'docs', 'images')
      : join(REPO_ROOT, 'test-output', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A missing browser fails the run with what to do, rather than skipping the test silently. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium); .ci/run does it when it can`,
    );
  }
}

export function launchChromium(): Promise<Browser> {
  requireChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
