/**
 * The console's Lab page in Chromium against a real `bmc-emu serve` (memory driver, TLS on), fed through the
 * real management API: a real `bmc-emu lab up` whose libvirt is unreachable shows as failed with its reason;
 * a run reported step by step by LabReporter (the client `lab up` uses) shows its running step, then every
 * step done; a ReadOnly user sees the same page with nothing to act on. With a private libvirtd, a real
 * `lab up` and `lab down` reach done on the page, their nodes linked to the rack. Screenshots land in
 * test-artifacts/console/.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LabProgress, type LabRecord, LabReporter } from '@bmc-emu/manage';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { chromiumPeer, launchChromium, type Browser, watchProblems } from './support/chromium.js';
import { basic, httpsJson } from './support/https-json.js';
import { freePort } from './support/ironic.js';
import { type Libvirtd, libvirtPeers, startLibvirtd, virsh, LIBVIRTD_SETUP_MS } from './support/libvirtd.js';
import { requirePeers } from './support/peers.js';
import { freeUdpRange, type ServeProcess, startServe } from './support/serve-process.js';
import { tempDirs } from './support/temp-dirs.js';

const BIN = fileURLToPath(new URL('../bin/bmc-emu.js', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/console/', import.meta.url));
const tempDir = tempDirs();
const browserGate = chromiumPeer();
const libvirtGate = requirePeers('the Lab page over a real lab up on libvirt', [
  ...browserGate.missing,
  ...libvirtPeers.missing,
]);

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

async function login(page: Page, base: string, user: string, password: string): Promise<void> {
  await page.context().clearCookies();
  await page.goto(`${base}/console/`);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('table.rack tbody tr').first().waitFor();
}

async function openLabs(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Labs', exact: true }).click();
  await page.getByRole('heading', { name: 'Labs', exact: true }).waitFor();
}

browserGate.describe('the Lab page in Chromium, fed through the management API', () => {
  let serve: ServeProcess;
  let serveDir: string;
  let labDir: string;
  let base: string;
  let ca: string;
  let browser: Browser;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    serveDir = await tempDir('bmcemu-console-lab-serve-');
    serve = await startServe({ nodes: 1, stateDir: serveDir });
    base = `https://127.0.0.1:${serve.redfishPort}`;
    ca = await readFile(join(serveDir, 'tls', 'ca.crt'), 'utf8');
    const viewer = await httpsJson(`${base}/redfish/v1/AccountService/Accounts`, {
      ca,
      body: { UserName: 'viewer', Password: 'viewer-pass-1', RoleId: 'ReadOnly' },
      headers: basic('admin', 'password'),
    });
    expect(viewer.status).toBe(201);
    // two of the lab's three hosts exist in the rack (memory nodes named as the lab's domains), via the real CLI
    const ports = await freeUdpRange(2);
    for (const [i, name] of ['lab-master-0', 'lab-master-1'].entries()) {
      const r = cli(['bmc', 'add', name, '--memory', '--port', String(ports + i), '--state-dir', serveDir], serveDir);
      expect(r.code, r.err).toBe(0);
    }
    labDir = await tempDir('bmcemu-console-lab-');
    writeFileSync(
      join(labDir, 'lab.yaml'),
      stringify({
        name: 'lab',
        // nothing answers there: `lab up` fails at its first libvirt call, exit 3
        libvirt: { uris: ['qemu+unix:///system?socket=/nonexistent/bmcemu-libvirt-sock'] },
        bmc: { host: '127.0.0.1', redfishPort: serve.redfishPort },
        controlPlane: { count: 3, vcpus: 1, memoryMiB: 256, disksGiB: [1] },
      }),
    );
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  it('a real lab up that cannot reach libvirt shows on the open page as failed, with its reason', async () => {
    const page = await browser.context.newPage();
    const seen = watchProblems(page);
    await login(page, base, 'admin', 'password');
    await openLabs(page);
    await expect.poll(() => page.locator('main').innerText()).toContain('No lab has reported here yet');

    const up = cli(['lab', 'up', '-c', 'lab.yaml', '--out', 'out', '--serve-state-dir', serveDir], labDir);
    expect(up.code, up.err).toBe(3);
    expect(up.err).toContain(`serve: progress reported to the serve of ${serveDir}`);

    // live: the open page learns of the lab from the event stream, without a reload
    const lab = page.locator('section[data-lab="lab"]');
    await lab.waitFor({ timeout: 5_000 });
    const status = page.getByTestId('lab-lab-status');
    await expect.poll(() => status.innerText(), { timeout: 5_000 }).toBe('lab up lab failed (0 of 0 steps done)');
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toMatch(
        /^lab up lab failed: The libvirt \(qemu\+unix:\/\/\/system\?socket=\/nonexistent\/.*\) driver is unavailable/,
      );
    expect(await lab.locator('[data-run-state]').getAttribute('data-run-state')).toBe('failed');

    const text = await lab.innerText();
    expect(text).toContain('IPI');
    expect(text).toContain('lab.example.com');
    expect(text).toContain('192.168.111.5'); // API VIP
    expect(text).toContain('192.168.111.4'); // Ingress VIP
    expect(text).toContain('labbm');
    expect(text).toContain('labpr');
    expect(text).toContain('192.168.111.0/24');
    expect(text).toContain(join(labDir, 'out', 'install-config.yaml'));
    expect(text).toContain(`openshift-baremetal-install --dir ${join(labDir, 'out')} create cluster`);
    expect(text).toContain('nothing built (no state file)');
    // the nodes, by role; the two in the rack link to their node pages
    await page.getByRole('heading', { name: 'Control plane (3)' }).waitFor();
    const rows = lab.locator('table.lab-nodes tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(2).innerText()).toContain('lab-master-2 (not in the rack)');
    expect(await rows.nth(0).innerText()).toMatch(
      new RegExp(
        `redfish-virtualmedia\\+https://127\\.0\\.0\\.1:${serve.redfishPort}/redfish/v1/Systems/[0-9a-f-]{36}`,
      ),
    );
    expect(await rows.nth(0).innerText()).toContain('Off');
    await shot(page, 'lab-failed');
    // keyboard: the node link is reachable and opens the node page with Enter
    await page.getByRole('link', { name: 'lab-master-1' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'lab-master-1' }).waitFor();
    await page.close();
    expect(seen).toEqual([]);
  });

  it('a run reported step by step shows its running step, then every step done', async () => {
    const page = await browser.context.newPage();
    const seen = watchProblems(page);
    await login(page, base, 'admin', 'password');
    await openLabs(page);
    const status = page.getByTestId('lab-lab-status');
    await status.waitFor();

    // the client `lab up` uses, over the real management API; one report at a time, so each state is seen
    const reporter = new LabReporter({ stateDirs: [serveDir] });
    const send = async (p: Omit<LabProgress, 'runId' | 'run'>) => {
      reporter.progress('lab', { runId: 'console-test-1', run: 'up', ...p });
      expect(await reporter.flush()).toMatchObject({ pending: 0 });
    };
    const titles = [
      '+ create pool lab-pool',
      '+ create network labpr',
      '+ create network labbm',
      '+ create domain lab-master-0',
    ];
    const n = titles.length;
    await send({ index: 0, total: 0, step: 'lab up lab', state: 'start' });
    for (const [i, step] of titles.entries()) {
      await send({ index: i + 1, total: n, step, state: 'start' });
      await expect
        .poll(() => status.innerText())
        .toBe(`lab up lab running: ${i} of ${n} steps done, now [${i + 1}/${n}] ${step}`);
      const current = page.locator('ol.steps li[aria-current="step"]');
      await expect.poll(() => current.innerText()).toContain(step);
      expect(await page.getByTestId('lab-lab-count').innerText()).toBe(`${i}/${n}`);
      expect(Number(await page.locator('#lab-lab-progress').getAttribute('value'))).toBe(i);
      if (i === 2) await shot(page, 'lab-running');
      await send({ index: i + 1, total: n, step, state: 'done' });
    }
    await send({ index: 0, total: n, step: 'lab up lab', state: 'done' });
    await expect.poll(() => status.innerText()).toBe(`lab up lab done: ${n} of ${n} steps done`);
    expect(await page.getByTestId('lab-lab-count').innerText()).toBe(`${n}/${n}`);
    expect(await page.locator('ol.steps li[data-step-state="done"]').count()).toBe(n);
    expect(await page.locator('ol.steps li[aria-current="step"]').count()).toBe(0);
    expect(Number(await page.locator('#lab-lab-progress').getAttribute('value'))).toBe(n);
    await shot(page, 'lab-done-1280x800');
    // the timeline tells the same story
    await page.goto(`${base}/console/#/timeline?kind=lab`);
    await expect
      .poll(() => page.locator('table.timeline tbody').innerText())
      .toContain(`lab lab: [4/4] ${titles[3]} done`);
    await page.goto(`${base}/console/#/labs`);
    await page.getByTestId('lab-lab-status').waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    // narrow: one card per node, nothing wider than the screen
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'lab-narrow');
    await page.close();
    expect(seen).toEqual([]);
  });

  it('a ReadOnly user sees the same Lab page, with nothing to act on', async () => {
    const viewer = await launchChromium();
    try {
      const page = await viewer.context.newPage();
      const seen = watchProblems(page);
      await login(page, base, 'viewer', 'viewer-pass-1');
      await openLabs(page);
      await expect.poll(() => page.getByTestId('lab-lab-status').innerText()).toMatch(/^lab up lab done/);
      const buttons = await page.locator('main button').allInnerTexts();
      expect(buttons.length).toBeGreaterThan(0);
      expect(buttons.every((b) => b === 'Copy' || b === 'Copied')).toBe(true);
      const admin = await httpsJson(`${base}/console/api/labs`, { ca, headers: basic('admin', 'password') });
      const ro = await httpsJson(`${base}/console/api/labs`, { ca, headers: basic('viewer', 'viewer-pass-1') });
      expect(ro.body).toEqual(admin.body);
      const post = await httpsJson(`${base}/console/api/labs`, {
        ca,
        body: { name: 'lab' },
        headers: basic('viewer', 'viewer-pass-1'),
      });
      expect(post.status).toBe(405);
      await shot(page, 'lab-readonly');
      await page.close();
      expect(seen).toEqual([]);
    } finally {
      await viewer.close();
    }
  });
});

const LAB = 'bmcemu-t-clab';
const POOL = 'bmcemu-t-clpool';
const LAB2 = 'bmcemu-t-clab2';
const POOL2 = 'bmcemu-t-clpl2';

libvirtGate.describe('the Lab page over a real lab up and down on libvirt', () => {
  let lv: Libvirtd;
  let serve: ServeProcess;
  let serveDir: string;
  let dir: string;
  let base: string;
  let browser: Browser;

  const removePool = () => {
    const names = virsh('pool-list', '--all', '--name');
    for (const pool of [POOL, POOL2]) {
      if (!names.split('\n').some((l) => l.trim() === pool)) continue;
      for (const a of [
        ['pool-destroy', pool],
        ['pool-delete', pool],
        ['pool-undefine', pool],
      ]) {
        try {
          virsh(...a);
        } catch {}
      }
    }
  };

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    lv = await startLibvirtd();
    dir = await tempDir('bmcemu-console-lab-lv-');
    chmodSync(dir, 0o755);
    removePool();
    serveDir = join(dir, 'serve');
    serve = await startServe({
      nodes: 1,
      stateDir: serveDir,
      extraArgs: ['--driver', 'libvirt', '--libvirt', lv.uri, '--no-ipmi'],
    });
    base = `https://127.0.0.1:${serve.redfishPort}`;
    writeFileSync(
      join(dir, 'lab.yaml'),
      stringify({
        name: LAB,
        libvirt: { uris: [lv.uri], pool: { name: POOL, path: join(dir, 'pool') }, domainType: 'qemu' },
        bmc: { host: '127.0.0.1', redfishPort: serve.redfishPort },
        controlPlane: { count: 3, vcpus: 1, memoryMiB: 256, disksGiB: [1] },
        networks: { baremetal: { forward: 'isolated' } },
      }),
    );
    browser = await launchChromium();
  }, LIBVIRTD_SETUP_MS); // the libvirtd lock may be held up to 280 s by another test file

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    try {
      if (dir && lv) cli(['lab', 'down', '-c', 'lab.yaml'], dir);
      if (dir && lv) cli(['lab', 'down', '-c', 'lab2.yaml'], dir);
      if (lv) removePool();
    } finally {
      await lv?.stop();
    }
  }, 180_000);

  it('lab up reaches done on the page, its nodes linked to the rack; lab down then leaves nothing built', async () => {
    const page = await browser.context.newPage();
    const seen = watchProblems(page);
    await page.goto(`${base}/console/`);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Rack' }).waitFor();
    await openLabs(page);

    const up = cli(['lab', 'up', '-c', 'lab.yaml', '--out', 'out', '--serve-state-dir', serveDir], dir);
    expect(up.code, up.err).toBe(0);
    const total = Number(/up: (\d+) change\(s\)/.exec(up.out)?.[1]);
    expect(total).toBeGreaterThan(5);
    const section = `section[data-lab="${LAB}"]`;
    const status = page.getByTestId(`lab-${LAB}-status`);
    await expect
      .poll(() => status.innerText(), { timeout: 10_000 })
      .toBe(`lab up ${LAB} done: ${total} of ${total} steps done`);
    expect(await page.locator(`${section} ol.steps li[data-step-state="done"]`).count()).toBe(total);
    await expect.poll(() => page.getByTestId(`lab-${LAB}-built`).innerText()).toMatch(new RegExp(`^${total} objects`));
    // the serve picked the new domains up: every host links to its node page, powered off
    const rows = page.locator(`${section} table.lab-nodes tbody tr`);
    expect(await rows.count()).toBe(3);
    for (let i = 0; i < 3; i++) {
      await expect.poll(() => rows.nth(i).innerText(), { timeout: 15_000 }).not.toContain('not in the rack');
      expect(await rows.nth(i).innerText()).toContain('Off');
    }
    await shot(page, 'lab-libvirt-up');
    await page.getByRole('link', { name: `${LAB}-master-0` }).click();
    await page.getByRole('heading', { name: `${LAB}-master-0` }).waitFor();
    await openLabs(page);

    const down = cli(['lab', 'down', '-c', 'lab.yaml', '--serve-state-dir', serveDir], dir);
    expect(down.code, down.err).toBe(0);
    await expect
      .poll(() => page.getByTestId(`lab-${LAB}-status`).innerText(), { timeout: 10_000 })
      .toMatch(new RegExp(`^lab down ${LAB} done: (\\d+) of \\1 steps done`));
    await expect.poll(() => page.getByTestId(`lab-${LAB}-built`).innerText()).toBe('nothing built (no state file)');
    await shot(page, 'lab-libvirt-down');
    await page.close();
    expect(seen).toEqual([]);
  });
  it('lab up --serve starts a serve after the steps, and that serve still gets the whole run', async () => {
    const redfishPort = await freePort();
    const ipmiBasePort = await freeUdpRange(3);
    writeFileSync(
      join(dir, 'lab2.yaml'),
      stringify({
        name: LAB2,
        stateDir: 'state2',
        libvirt: { uris: [lv.uri], pool: { name: POOL2, path: join(dir, 'pool2') }, domainType: 'qemu' },
        bmc: { host: '127.0.0.1', redfishPort, ipmiBasePort },
        controlPlane: { count: 3, vcpus: 1, memoryMiB: 256, disksGiB: [1] },
        networks: {
          baremetal: { name: 'bmct-cl2bm', forward: 'isolated', ipv4: { cidr: '192.168.121.0/24' } },
          provisioning: { name: 'bmct-cl2pr', cidr: '172.23.0.0/24' },
        },
      }),
    );
    const up = cli(['lab', 'up', '-c', 'lab2.yaml', '--out', 'out2', '--serve'], dir);
    expect(up.code, up.err).toBe(0);
    const labServe = join(dir, 'state2', 'serve');
    expect(up.err).toContain('serve: started (pid');
    expect(up.err).toContain(`serve: progress reported to the serve of ${labServe}`);
    const total = Number(/up: (\d+) change\(s\)/.exec(up.out)?.[1]);
    expect(total).toBeGreaterThan(5);
    const ca = await readFile(join(labServe, 'tls', 'ca.crt'), 'utf8');
    const r = await httpsJson(`https://127.0.0.1:${redfishPort}/console/api/labs`, {
      ca,
      headers: basic('admin', 'password'),
    });
    const [rec] = (r.body as { labs: LabRecord[] }).labs;
    expect(rec!.report.name).toBe(LAB2);
    expect(rec!.lastRun).toMatchObject({ run: 'up', state: 'done', total });
    expect(rec!.lastRun!.steps.map((s) => s.state)).toEqual(Array(total).fill('done'));
    expect(rec!.built?.objects).toBe(total);
    const down = cli(['lab', 'down', '-c', 'lab2.yaml'], dir);
    expect(down.code, down.err).toBe(0);
    expect(down.err).toContain(`serve: progress reported to the serve of ${labServe}`);
    expect(down.err).toContain('serve: stopped');
  });
});
