import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInstallConfigText, checkOsImagesReachable, validateRenderedOnline } from '../src/index.js';
import { render } from './helpers.js';

/** The installer HEADs bootstrapOSImage/clusterOSImage; here against a server on 127.0.0.1. */

const SHA = 'ab'.repeat(32);
let server: Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const path = (req.url ?? '').split('?')[0];
    if (path === '/images/ok.qcow2.gz') res.writeHead(200, { 'content-length': '0' }).end();
    else if (path === '/images/moved.qcow2.gz')
      res.writeHead(302, { location: `/images/ok.qcow2.gz?sha256=${SHA}` }).end();
    else if (path === '/images/slow.qcow2.gz') setTimeout(() => res.writeHead(200).end(), 3_000).unref();
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const doc = (images: Record<string, string>) => ({ platform: { baremetal: images } });

describe('OS image URLs answer a HEAD request with 200', () => {
  it('200 passes, and a redirect to a 200 passes (Go follows redirects)', async () => {
    seen.length = 0;
    const vs = await checkOsImagesReachable(
      doc({
        clusterOSImage: `${base}/images/ok.qcow2.gz?sha256=${SHA}`,
        bootstrapOSImage: `${base}/images/moved.qcow2.gz?sha256=${SHA}`,
      }),
    );
    expect(vs).toEqual([]);
    expect(seen.sort()).toEqual([
      `HEAD /images/moved.qcow2.gz?sha256=${SHA}`,
      `HEAD /images/ok.qcow2.gz?sha256=${SHA}`,
      `HEAD /images/ok.qcow2.gz?sha256=${SHA}`,
    ]);
  });

  it('404 is NotFound at the field, with the status', async () => {
    const url = `${base}/images/gone.qcow2.gz?sha256=${SHA}`;
    const vs = await checkOsImagesReachable(doc({ clusterOSImage: url }));
    expect(vs).toEqual([
      expect.objectContaining({
        path: 'platform.baremetal.clusterOSImage',
        value: url,
        message: `Not found: "${url}" (HEAD answered 404)`,
      }),
    ]);
  });

  it('an unreachable host is NotFound with the reason', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/rhcos.qcow2.gz?sha256=${SHA}`;
    const vs = await checkOsImagesReachable(doc({ bootstrapOSImage: url }));
    expect(vs.map((v) => [v.path, v.message])).toEqual([
      ['platform.baremetal.bootstrapOSImage', `Not found: "${url}" (HEAD failed: ECONNREFUSED)`],
    ]);
  });

  it('a server that does not answer in time is NotFound after the timeout, not a hang', async () => {
    const url = `${base}/images/slow.qcow2.gz?sha256=${SHA}`;
    const started = Date.now();
    const vs = await checkOsImagesReachable(doc({ clusterOSImage: url }), { timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(vs.map((v) => v.message)).toEqual([`Not found: "${url}" (HEAD got no answer in 300 ms)`]);
  });

  it('a URL of the wrong form is not requested (the form rule reports it)', async () => {
    seen.length = 0;
    const text = `apiVersion: v1\nplatform:\n  baremetal:\n    clusterOSImage: ftp://127.0.0.1/x.qcow2.gz?sha256=${SHA}\n`;
    const vs = await checkInstallConfigText(text, { head: { timeoutMs: 500 } });
    expect(vs.filter((v) => v.path === 'platform.baremetal.clusterOSImage').map((v) => v.message)).toEqual([
      `the URI provided: ftp://127.0.0.1/x.qcow2.gz?sha256=${SHA} must begin with http/https`,
    ]);
    expect(await checkOsImagesReachable(doc({ clusterOSImage: `${base}/images/gone.qcow2.gz` }))).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('lab check text: only with head options', async () => {
    const { r } = render({ images: { clusterOSImage: `${base}/images/gone.qcow2.gz?sha256=${SHA}` } });
    const { stringify } = await import('yaml');
    const text = stringify(r.installConfig);
    expect(await checkInstallConfigText(text)).toEqual([]);
    const online = await checkInstallConfigText(text, { head: { timeoutMs: 2_000 } });
    expect(online.map((v) => v.path)).toEqual(['platform.baremetal.clusterOSImage']);
  });

  it('render/up validation names the lab.yaml key', async () => {
    const { m, r } = render({
      images: {
        clusterOSImage: `${base}/images/gone.qcow2.gz?sha256=${SHA}`,
        bootstrapOSImage: `${base}/images/ok.qcow2.gz?sha256=${SHA}`,
      },
    });
    const vs = await validateRenderedOnline(m, r, { timeoutMs: 2_000 });
    expect(vs.map((v) => v.path)).toEqual(['images.clusterOSImage (install-config platform.baremetal.clusterOSImage)']);
  });
});
