import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { demoNodes, MemoryDriver } from '@bmc-emu/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessLogEntry, BootHttpServer } from '../src/index.js';

const nodes = demoNodes(3); // node-0 52:54:00:00:00:01, node-1 ...:02, node-2 ...:03
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const execFileP = promisify(execFile);

/** curl as a separate process (async: the server under test runs in this same event loop). */
async function curl(args: string[]): Promise<{ status: number; headers: string; body: Buffer }> {
  const dir = mkdtempSync(join(tmpdir(), 'bmcemu-curl-'));
  try {
    const { stdout } = await execFileP('curl', [
      '-s',
      '-D',
      join(dir, 'h'),
      '-o',
      join(dir, 'b'),
      '-w',
      '%{http_code}',
      ...args,
    ]);
    const headers = readFileSync(join(dir, 'h'), 'utf8');
    const body = existsSync(join(dir, 'b')) ? readFileSync(join(dir, 'b')) : Buffer.alloc(0);
    return { status: Number(stdout), headers, body };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function header(headers: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:\\s*(.*?)\\r?$`, 'im').exec(headers);
  return m?.[1];
}

describe('BootHttpServer', () => {
  let dir: string;
  let server: BootHttpServer;
  let base: string;
  const access: AccessLogEntry[] = [];
  const kernel = randomBytes(2 * 1024 * 1024 + 3);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bmcemu-http-'));
    mkdirSync(join(dir, 'www', 'rhcos'), { recursive: true });
    mkdirSync(join(dir, 'ign'));
    writeFileSync(join(dir, 'www', 'rhcos', 'vmlinuz'), kernel);
    writeFileSync(join(dir, 'www', 'empty'), '');
    writeFileSync(join(dir, 'www', 'big.img'), '');
    truncateSync(join(dir, 'www', 'big.img'), 256 * 1024 * 1024);
    writeFileSync(join(dir, 'secret'), 'TOP-SECRET');
    symlinkSync(join(dir, 'secret'), join(dir, 'www', 'link-out'));
    writeFileSync(join(dir, 'ign', 'worker.ign'), '{"ignition":{"version":"3.2.0"},"role":"worker"}');
    writeFileSync(join(dir, 'ign', 'master.ign'), '{"ignition":{"version":"3.2.0"},"role":"master"}');
    writeFileSync(join(dir, 'ign', 'node-2.ign'), '{"ignition":{"version":"3.2.0"},"host":"node-2"}');
    server = new BootHttpServer({
      driver: new MemoryDriver({ nodes }),
      host: '127.0.0.1',
      port: 0,
      root: join(dir, 'www'),
      ignitionDir: join(dir, 'ign'),
      templatesDir: resolve('fixtures/ipxe'),
      ipxeDir: '/usr/lib/ipxe',
      stateDir: join(dir, 'state'),
      introspection: { acceptUnknown: true },
      defaultRole: 'worker',
      roles: {
        worker: {
          kernel: 'rhcos/vmlinuz',
          initrd: ['rhcos/initramfs.img'],
          rootfs: 'rhcos/rootfs.img',
          installDev: '/dev/vda',
          ignition: 'install',
          args: ['console=ttyS0'],
        },
        master: { kernel: 'http://mirror.example/vmlinuz', initrd: [], ignition: 'live' },
      },
      nodes: {
        '52-54-00-00-00-02': { role: 'master' },
        [nodes[2]!.id]: { template: 'coreos-live.ipxe.tpl', role: 'worker' },
        'aa:bb:cc:dd:ee:ff': { template: 'no-such.tpl' },
      },
    });
    server.on('access', (e) => access.push(e));
    base = await server.start();
  });

  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('/boot.ipxe chains by MAC to this server (base URL from the Host header)', async () => {
    const text = await (await fetch(`${base}/boot.ipxe`)).text();
    expect(text.startsWith('#!ipxe\n')).toBe(true);
    expect(text).toContain(`chain --replace --autofree ${base}/boot/\${mac:hexhyp}.ipxe?uuid=\${uuid} || goto wait`);
    expect(text).toContain('goto retry');
    const viaAlias = await curl(['-H', 'Host: 172.30.0.1:8080', `${base}/boot.ipxe`]);
    expect(viaAlias.body.toString()).toContain('http://172.30.0.1:8080/boot/');
  });

  it('renders the per-MAC script from the role (worker): kernel, named initrd, coreos args, retry loop', async () => {
    const res = await fetch(`${base}/boot/52-54-00-00-00-01.ipxe`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('echo bmc-emu: booting node-0 as worker');
    expect(text).toMatch(
      new RegExp(
        `^kernel --name kernel ${base}/files/rhcos/vmlinuz initrd=main coreos\\.inst\\.install_dev=/dev/vda ` +
          `coreos\\.live\\.rootfs_url=${base}/files/rhcos/rootfs\\.img ` +
          `coreos\\.inst\\.ignition_url=${base}/ignition/52-54-00-00-00-01 console=ttyS0 \\|\\| goto wait$`,
        'm',
      ),
    );
    expect(text).toContain(`initrd --name main ${base}/files/rhcos/initramfs.img || goto wait`);
    expect(text).toMatch(/^boot \|\| goto wait$/m);
    expect(text).toMatch(/^:wait\n.*\nsleep 3\ngoto retry$/m);
  });

  it('node entries by MAC pick the role; absolute URLs stay; live ignition adds firstboot args', async () => {
    const text = await (await fetch(`${base}/boot/52:54:00:00:00:02.ipxe`)).text();
    expect(text).toContain('booting node-1 as master');
    expect(text).toContain('kernel --name kernel http://mirror.example/vmlinuz ignition.firstboot');
    expect(text).toContain(`ignition.config.url=${base}/ignition/52-54-00-00-00-02`);
    expect(text).not.toContain('initrd --name');
  });

  it('node entries by UUID can use a template file', async () => {
    const text = await (await fetch(`${base}/boot/525400000003.ipxe`)).text();
    expect(text).toContain('echo bmc-emu template: node-2 52:54:00:00:00:03 role worker');
    expect(text).toContain(`kernel --name kernel ${base}/files/rhcos/vmlinuz initrd=main coreos.inst.install_dev`);
    expect(text).not.toContain('{{');
  });

  it('an unknown MAC gets a script that exits to the next boot device; a missing template is a 400', async () => {
    const r1 = await fetch(`${base}/boot/02-00-00-00-00-99.ipxe`);
    // unknown MACs fall back to the default role only when a node owns them
    const t1 = await r1.text();
    expect(t1).toMatch(/^exit$/m);
    const r2 = await fetch(`${base}/boot/aa-bb-cc-dd-ee-ff.ipxe`);
    expect(r2.status).toBe(400);
    const r3 = await fetch(`${base}/boot/not-a-mac.ipxe`);
    expect(r3.status).toBe(404);
  });

  it('serves assets to curl with Content-Length, ETag, Last-Modified, Range, If-Range and HEAD', async () => {
    const full = await curl([`${base}/files/rhcos/vmlinuz`]);
    expect(full.status).toBe(200);
    expect(sha(full.body)).toBe(sha(kernel));
    expect(header(full.headers, 'content-length')).toBe(String(kernel.length));
    expect(header(full.headers, 'accept-ranges')).toBe('bytes');
    const etag = header(full.headers, 'etag') as string;
    const lastModified = header(full.headers, 'last-modified') as string;
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);

    const part = await curl(['-r', '1000-1999', `${base}/files/rhcos/vmlinuz`]);
    expect(part.status).toBe(206);
    expect(part.body.equals(kernel.subarray(1000, 2000))).toBe(true);
    expect(header(part.headers, 'content-range')).toBe(`bytes 1000-1999/${kernel.length}`);
    expect(header(part.headers, 'content-length')).toBe('1000');

    const suffix = await curl(['-r', '-10', `${base}/files/rhcos/vmlinuz`]);
    expect(suffix.body.equals(kernel.subarray(kernel.length - 10))).toBe(true);

    const head = await curl(['-I', `${base}/files/rhcos/vmlinuz`]);
    expect(head.status).toBe(200);
    expect(header(head.headers, 'content-length')).toBe(String(kernel.length));
    const headRes = await fetch(`${base}/files/rhcos/vmlinuz`, { method: 'HEAD' });
    expect((await headRes.arrayBuffer()).byteLength).toBe(0);
    expect(headRes.headers.get('etag')).toBe(etag);

    expect((await curl(['-H', `If-None-Match: ${etag}`, `${base}/files/rhcos/vmlinuz`])).status).toBe(304);
    expect((await curl(['-H', `If-Modified-Since: ${lastModified}`, `${base}/files/rhcos/vmlinuz`])).status).toBe(304);
    const stale = await curl(['-r', '0-9', '-H', 'If-Range: "other"', `${base}/files/rhcos/vmlinuz`]);
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(kernel.length);
    const fresh = await curl(['-r', '0-9', '-H', `If-Range: ${etag}`, `${base}/files/rhcos/vmlinuz`]);
    expect(fresh.status).toBe(206);

    const past = await curl(['-r', `${kernel.length}-`, `${base}/files/rhcos/vmlinuz`]);
    expect(past.status).toBe(416);
    expect(header(past.headers, 'content-range')).toBe(`bytes */${kernel.length}`);
    const empty = await curl([`${base}/files/empty`]);
    expect(empty.status).toBe(200);
    expect(header(empty.headers, 'content-length')).toBe('0');

    // resume with curl -C - (a real client's resume) gives identical bytes
    const tmp = mkdtempSync(join(tmpdir(), 'bmcemu-resume-'));
    writeFileSync(join(tmp, 'k'), kernel.subarray(0, 12345));
    await execFileP('curl', ['-s', '-C', '-', '-o', join(tmp, 'k'), `${base}/files/rhcos/vmlinuz`]);
    expect(sha(readFileSync(join(tmp, 'k')))).toBe(sha(kernel));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a client that goes away mid-file is logged with a short byte count and the server keeps serving', async () => {
    access.length = 0;
    const ac = new AbortController();
    const res = await fetch(`${base}/files/big.img`, { signal: ac.signal });
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 3 * 1024 * 1024) got += (await reader.read()).value?.length ?? 0;
    ac.abort();
    const until = Date.now() + 5000;
    while (!access.some((e) => e.path === '/files/big.img') && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const entry = access.find((e) => e.path === '/files/big.img');
    expect(entry?.bytes).toBeGreaterThanOrEqual(got);
    expect(entry?.bytes).toBeLessThan(256 * 1024 * 1024);
    // 20 parallel ranged downloads after that still come back byte-exact
    const parts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${base}/files/rhcos/vmlinuz`, { headers: { range: `bytes=${i * 1000}-${i * 1000 + 99_999}` } }).then(
          async (r) => Buffer.from(await r.arrayBuffer()),
        ),
      ),
    );
    for (const [i, p] of parts.entries()) {
      expect(p.equals(kernel.subarray(i * 1000, i * 1000 + 100_000))).toBe(true);
    }
  });

  it('serves iPXE binaries under /ipxe/ and refuses other methods with 405', async () => {
    const res = await fetch(`${base}/ipxe/snponly.efi`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(10_000);
    expect((await fetch(`${base}/files/rhcos/vmlinuz`, { method: 'PUT', body: 'x' })).status).toBe(405);
    expect((await fetch(`${base}/files/rhcos/vmlinuz`, { method: 'DELETE' })).status).toBe(405);
  });

  it('serves ignition per host first, then per role', async () => {
    const host = await fetch(`${base}/ignition/52-54-00-00-00-03`);
    expect(await host.json()).toMatchObject({ host: 'node-2' });
    expect(host.headers.get('content-type')).toBe('application/vnd.coreos.ignition+json');
    expect(await (await fetch(`${base}/ignition/52-54-00-00-00-02`)).json()).toMatchObject({ role: 'master' });
    expect(await (await fetch(`${base}/ignition/node-0`)).json()).toMatchObject({ role: 'worker' });
    expect(await (await fetch(`${base}/ignition/master`)).json()).toMatchObject({ role: 'master' });
    expect((await fetch(`${base}/ignition/nobody`)).status).toBe(404);
    expect((await fetch(`${base}/ignition/..%2fsecret`)).status).toBe(403);
  });

  it('introspection: stores a ghw report, matches the node by MAC, answers with its role ignition', async () => {
    const ghw = {
      network: {
        nics: [
          { name: 'lo', mac_address: '', is_virtual: true },
          { name: 'ens3', mac_address: '52:54:00:00:00:02', is_virtual: false },
        ],
      },
      memory: { total_physical_bytes: 4294967296 },
    };
    const res = await fetch(`${base}/introspection`, { method: 'POST', body: JSON.stringify(ghw) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ role: 'master' });
    expect(await (await fetch(`${base}/introspection/52-54-00-00-00-02`)).json()).toEqual(ghw);
    const onDisk = readFileSync(join(dir, 'state', 'introspection', '52-54-00-00-00-02.json'), 'utf8');
    expect(JSON.parse(onDisk)).toEqual(ghw);
    expect(server.report('52:54:00:00:00:02')).toEqual(ghw);

    expect((await fetch(`${base}/introspection`, { method: 'POST', body: '{nope' })).status).toBe(400);
    expect((await fetch(`${base}/introspection`, { method: 'POST', body: '{"network":{"nics":[]}}' })).status).toBe(
      400,
    );
    const stranger = await fetch(`${base}/introspection`, {
      method: 'POST',
      body: JSON.stringify({ network: { nics: [{ mac_address: '02:00:00:00:00:42' }] } }),
    });
    expect(stranger.status).toBe(404);
    expect(server.report('02:00:00:00:00:42')).toBeDefined();
    const huge = await fetch(`${base}/introspection`, { method: 'POST', body: 'x'.repeat(5 * 1024 * 1024) }).catch(
      () => undefined,
    );
    if (huge) expect(huge.status).toBe(413);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('logs every request with the MAC learnt from the script request, path, bytes and status', async () => {
    access.length = 0;
    await (await fetch(`${base}/boot/52-54-00-00-00-01.ipxe`)).text();
    await (await fetch(`${base}/files/rhcos/vmlinuz`)).arrayBuffer();
    await (await fetch(`${base}/files/missing`)).text();
    await new Promise((r) => setTimeout(r, 50));
    expect(access.map((e) => [e.mac, e.path, e.status])).toEqual([
      ['52:54:00:00:00:01', '/boot/52-54-00-00-00-01.ipxe', 200],
      ['52:54:00:00:00:01', '/files/rhcos/vmlinuz', 200],
      ['52:54:00:00:00:01', '/files/missing', 404],
    ]);
    expect(access[1]?.bytes).toBe(kernel.length);
    expect(access[0]?.ip).toBe('127.0.0.1');
  });

  it('refuses path traversal in 30 spellings and never leaks the file outside the root', async () => {
    const attempts = [
      '/files/../secret',
      '/files/../../secret',
      '/files/rhcos/../../secret',
      '/files/%2e%2e/secret',
      '/files/%2E%2E/secret',
      '/files/.%2e/secret',
      '/files/%2e./secret',
      '/files/..%2fsecret',
      '/files/..%2Fsecret',
      '/files/rhcos/..%2f..%2fsecret',
      '/files/..%5csecret',
      '/files/..\\secret',
      '/files/rhcos\\..\\..\\secret',
      '/files/%252e%252e/secret',
      '/files/..%00/secret',
      '/files/secret%00.img',
      '/files/%00',
      '/files/link-out',
      `/files/${encodeURIComponent(join(dir, 'secret'))}`,
      `/files//${join(dir, 'secret')}`,
      '/files/./../secret',
      '/files/rhcos/./../../secret',
      '/files/%c0%ae%c0%ae/secret',
      '/files/%uff0e%uff0e/secret',
      '/files/..;/secret',
      '/files/....//secret',
      '/ipxe/../../../etc/passwd',
      '/ipxe/%2e%2e/%2e%2e/etc/passwd',
      '/ignition/..%2f..%2fsecret',
      '/ignition/%2e%2e%5csecret',
      '/files/%0a/../secret',
    ];
    expect(attempts.length).toBeGreaterThanOrEqual(30);
    for (const p of attempts) {
      const r = await curl(['--path-as-is', `${base}${p}`]);
      expect([400, 403, 404], p).toContain(r.status);
      expect(r.body.toString(), p).not.toContain('TOP-SECRET');
      expect(r.body.toString(), p).not.toContain('root:x:0');
    }
    // the server keeps serving afterwards
    expect((await curl([`${base}/files/rhcos/vmlinuz`])).status).toBe(200);
  });
});
