/**
 * Debian's headless Chromium driven by playwright-core (never a browser download), with a fresh profile.
 * `chromiumPeer` gates a test on it like every other real peer (skips locally, fails under CI=true).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { fileExists, requirePeers } from './peers.js';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumPeer = () => requirePeers('the web console in Chromium', [fileExists(CHROMIUM, 'chromium')]);

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'bmcemu-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport,
    ignoreHTTPSErrors: true, // the Redfish listener's self-signed certificate
    timeout: 60_000,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Everything the page says went wrong: console errors, uncaught exceptions, failed or >= 400 requests. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? '';
    // Chromium aborts requests in flight when a host interface appears or goes (another test file's
    // `ip netns`/veth setup): not something the page or the server did. Every page assertion still holds.
    if (why === 'net::ERR_NETWORK_CHANGED') return;
    problems.push(`requestfailed: ${r.method()} ${r.url()} ${why}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`response: ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return problems;
}

/**
 * `page.goto`, once more when Chromium aborted it with ERR_NETWORK_CHANGED (another test file adding or
 * removing a host interface at that moment: not the page's or the server's doing). Anything else throws.
 */
export async function gotoSteady(page: Page, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.goto(url);
      return;
    } catch (err) {
      if (attempt >= 3 || !String((err as Error).message).includes('ERR_NETWORK_CHANGED')) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
