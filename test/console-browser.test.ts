/**
 * The web console in a real browser (Debian's Chromium via playwright-core) against a real `bmc-emu serve`
 * (memory driver, TLS on): log in, power, an ipmitool bootdev in the timeline, media progress, serial echo,
 * ReadOnly. Screenshots of each page land in test-artifacts/console/.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromiumPeer, launchChromium, type Browser, watchProblems, gotoSteady } from './support/chromium.js';
import { basic, httpsJson } from './support/https-json.js';
import { command, requirePeers } from './support/peers.js';
import { type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const run = promisify(execFile);
const tempDir = tempDirs();
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/console/', import.meta.url));
const gate = requirePeers('the web console end to end', [...chromiumPeer().missing, command('ipmitool')]);
const ISO_BYTES = 6 * 1024 * 1024;

/** A slow HTTP server with one ISO 9660-looking image, so the download takes a couple of seconds. */
function isoServer(): Promise<{ server: Server; url: string }> {
  const iso = Buffer.alloc(ISO_BYTES, 0x20);
  iso.write('CD001', 32769, 'latin1');
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/boot.iso')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': iso.length });
    let off = 0;
    const step = 128 * 1024;
    const tick = setInterval(() => {
      if (res.destroyed || off >= iso.length) {
        clearInterval(tick);
        res.end();
        return;
      }
      res.write(iso.subarray(off, off + step));
      off += step;
    }, 40);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/boot.iso` }),
    ),
  );
}

gate.describe('web console in Chromium against bmc-emu serve', () => {
  let serve: ServeProcess;
  let browser: Browser;
  let ca: string;
  let base: string;
  let iso: { server: Server; url: string };
  let nodes: Array<{ id: string; name: string }>;

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  async function login(page: Page, user: string, password: string): Promise<void> {
    await page.context().clearCookies();
    await gotoSteady(page, `${base}/console/`);
    await page.getByLabel('User name').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('table.rack tbody tr').first().waitFor();
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const stateDir = await tempDir('bmcemu-console-state-');
    serve = await startServe({ nodes: 3, stateDir });
    base = `https://127.0.0.1:${serve.redfishPort}`;
    ca = await readFile(join(stateDir, 'tls', 'ca.crt'), 'utf8');
    const created = await httpsJson(`${base}/redfish/v1/AccountService/Accounts`, {
      ca,
      body: { UserName: 'viewer', Password: 'viewer-pass-1', RoleId: 'ReadOnly' },
      headers: basic('admin', 'password'),
    });
    expect(created.status).toBe(201);
    const list = await httpsJson(`${base}/console/api/nodes`, { ca, headers: basic('admin', 'password') });
    nodes = (list.body as { nodes: Array<{ id: string; name: string }> }).nodes;
    iso = await isoServer();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    iso?.server.close();
  });

  it('logs in and shows the rack with 3 nodes, their MACs and BMC addresses', async () => {
    const page = await browser.context.newPage();
    const seen = watchProblems(page);
    await gotoSteady(page, `${base}/console/`);
    await page.getByLabel('User name').waitFor();
    await shot(page, 'login');
    await login(page, 'admin', 'password');
    const rows = page.locator('table.rack tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    await expect.poll(() => rows.nth(0).locator('th').innerText()).toBe('node-0');
    const text = await page.locator('table.rack').innerText();
    expect(text).toContain(`ipmi://127.0.0.1:${serve.ipmiBasePort}`);
    expect(text).toContain(`redfish+https://127.0.0.1:${serve.redfishPort}/redfish/v1/Systems/${nodes[0]!.id}`);
    expect(text).toMatch(/52:54:00:[0-9a-f:]+/);
    // keyboard: the first Tab lands on the skip link, and a node is reachable and opens with Enter
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.getByRole('link', { name: 'node-1' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'node-1' }).waitFor();
    await gotoSteady(page, `${base}/console/#/`);
    await rows.first().waitFor();
    await shot(page, 'rack-1280x800');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'rack-narrow');
    await page.close();
    expect(seen).toEqual([]);
  });

  it('Power On on the node page shows On within 2 s', async () => {
    const page = await browser.context.newPage();
    const seen = watchProblems(page);
    await login(page, 'admin', 'password');
    await page.getByRole('link', { name: 'node-0' }).click();
    const state = page.getByTestId('power-state');
    await expect.poll(() => state.innerText()).toBe('Off');
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Power On' }).click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="power-state"]')?.textContent === 'On',
      undefined,
      { timeout: 2_000 },
    );
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(2_000);
    const now = await httpsJson(`${base}/redfish/v1/Systems/${nodes[0]!.id}`, {
      ca,
      headers: basic('admin', 'password'),
    });
    expect((now.body as { PowerState: string }).PowerState).toBe('On');
    await shot(page, 'node');
    await page.close();
    expect(seen).toEqual([]);
  });

  it('an ipmitool chassis bootdev pxe shows up in the timeline and on the node page', async () => {
    const page = await browser.context.newPage();
    const seen = watchProblems(page);
    await login(page, 'admin', 'password');
    const node = nodes[1]!;
    await gotoSteady(page, `${base}/console/#/timeline?node=${node.id}`);
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    const { stdout } = await run(
      'ipmitool',
      [
        '-I',
        'lanplus',
        '-H',
        '127.0.0.1',
        '-p',
        String(serve.ipmiBasePort + 1),
        '-U',
        'admin',
        '-P',
        'password',
        '-R',
        '1',
        '-N',
        '3',
        'chassis',
        'bootdev',
        'pxe',
      ],
      { timeout: 20_000 },
    );
    expect(stdout).toContain('Set Boot Device to pxe');
    const row = page.locator('table.timeline tbody tr[data-kind="boot"]').first();
    await row.waitFor({ timeout: 5_000 });
    expect(await row.innerText()).toMatch(/boot override Pxe once/);
    expect(await row.innerText()).toContain(node.name);
    await shot(page, 'timeline');
    await page.getByRole('link', { name: node.name }).first().click();
    await expect.poll(() => page.getByTestId('boot-override').innerText()).toMatch(/^Pxe once/);
    await page.close();
    expect(seen).toEqual([]);
  });

  it('inserts media with a progress bar that reaches 100%', async () => {
    const page = await browser.context.newPage();
    const seen = watchProblems(page);
    await login(page, 'admin', 'password');
    await page.getByRole('link', { name: 'node-2' }).click();
    await page.getByLabel('Image URL').fill(iso.url);
    await page.getByRole('button', { name: 'Insert', exact: true }).click();
    const bar = page.locator('#media-progress');
    await bar.waitFor();
    const values = new Set<number>();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const v = Number(await bar.getAttribute('value'));
      values.add(v);
      if (v === 100) break;
      await page.waitForTimeout(50);
    }
    expect(values.has(100)).toBe(true);
    expect([...values].some((v) => v > 0 && v < 100)).toBe(true);
    await expect.poll(() => page.locator('li[data-slot="Cd"]').innerText()).toContain(iso.url);
    const vm = await httpsJson(`${base}/redfish/v1/Managers/${nodes[2]!.id}/VirtualMedia/Cd`, {
      ca,
      headers: basic('admin', 'password'),
    });
    expect((vm.body as { Inserted: boolean; Image: string }).Inserted).toBe(true);
    await shot(page, 'node-media');

    // the same progress on the rack page, for a second image into the UsbStick slot
    await page.getByLabel('Slot').selectOption('UsbStick');
    await page.getByLabel('Image URL').fill(`${iso.url}?usb`);
    await page.getByRole('button', { name: 'Insert', exact: true }).click();
    await gotoSteady(page, `${base}/console/#/`);
    const rackBar = page.locator('[data-activity="media-download"] progress').last();
    await rackBar.waitFor();
    const rackValues = new Set<number>();
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      const v = Number(await rackBar.getAttribute('value'));
      rackValues.add(v);
      if (v === 100) break;
      await page.waitForTimeout(50);
    }
    expect(rackValues.has(100)).toBe(true);
    expect([...rackValues].some((v) => v > 0 && v < 100)).toBe(true);
    await expect.poll(() => page.locator('tr[data-node="node-2"]').innerText()).toContain(`UsbStick: ${iso.url}?usb`);
    await shot(page, 'rack-activity');
    await page.close();
    expect(seen).toEqual([]);
  });

  it('echoes what is typed into the serial console of a memory node', async () => {
    const page = await browser.context.newPage();
    const seen = watchProblems(page);
    await login(page, 'admin', 'password');
    await gotoSteady(page, `${base}/console/#/node/${nodes[0]!.id}/serial`);
    await expect.poll(() => page.getByTestId('serial-state').innerText(), { timeout: 10_000 }).toBe('connected');
    const screen = page.locator('.xterm-rows');
    await expect.poll(() => screen.innerText(), { timeout: 5_000 }).toContain('node-0 login:');
    await page.locator('.terminal-box').click();
    await page.keyboard.type('hello-console');
    await page.keyboard.press('Enter');
    await expect.poll(() => screen.innerText(), { timeout: 5_000 }).toContain('node-0 received: hello-console');
    await shot(page, 'serial');
    await page.close();
    expect(seen).toEqual([]);
  });

  it('a ReadOnly user sees everything, gets no action buttons, and a direct POST is refused 403', async () => {
    const viewer = await launchChromium();
    try {
      const page = await viewer.context.newPage();
      const seen = watchProblems(page);
      await login(page, 'viewer', 'viewer-pass-1');
      await expect.poll(() => page.locator('table.rack tbody tr').count()).toBe(3);
      await page.getByRole('link', { name: 'node-1' }).click();
      await page.getByRole('heading', { name: 'node-1' }).waitFor();
      await expect.poll(() => page.getByRole('note').innerText()).toContain('ReadOnly');
      for (const name of ['Power On', 'Force off', 'Set boot device', 'Insert', 'Stage']) {
        expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
      }
      // what is left are the copy buttons (and Log out)
      const buttons = await page.locator('main button').allInnerTexts();
      expect(buttons.every((b) => b === 'Copy' || b === 'Copied')).toBe(true);
      await shot(page, 'node-readonly');
      const cookies = await viewer.context.cookies();
      const cookie = cookies.find((c) => c.name === 'bmcemu_console');
      expect(cookie?.httpOnly).toBe(true);
      expect(cookie?.secure).toBe(true);
      const byCookie = await httpsJson(`${base}/console/api/nodes/${nodes[1]!.id}/power`, {
        ca,
        body: { action: 'On' },
        headers: { Cookie: `bmcemu_console=${cookie!.value}` },
      });
      expect(byCookie.status).toBe(403);
      const byBasic = await httpsJson(`${base}/console/api/nodes/${nodes[1]!.id}/boot`, {
        ca,
        body: { target: 'Pxe', enabled: 'Once' },
        headers: basic('viewer', 'viewer-pass-1'),
      });
      expect(byBasic.status).toBe(403);
      const after = await httpsJson(`${base}/console/api/nodes/${nodes[1]!.id}`, {
        ca,
        headers: basic('viewer', 'viewer-pass-1'),
      });
      expect((after.body as { powerState: string }).powerState).not.toBe('PoweringOn');
      await page.close();
      expect(seen).toEqual([]);
    } finally {
      await viewer.close();
    }
  });
});
