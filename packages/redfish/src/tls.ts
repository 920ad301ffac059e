/** The service's TLS identity: a local CA and a server certificate signed by it, generated once and kept. */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@bmc-emu/core';

export interface TlsMaterial {
  key: string;
  cert: string;
  /** The CA certificate clients should trust (install-config's bmcVerifyCA). */
  ca: string;
}

export function tlsDir(stateDir: string): string {
  return join(stateDir, 'tls');
}

/** Every address and name this host answers to, plus the loopback ones. */
export function hostAltNames(extra: string[] = []): { dns: string[]; ips: string[] } {
  const dns = new Set(['localhost', hostname()]);
  const ips = new Set(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.address.startsWith('fe80')) ips.add(a.address);
  }
  for (const e of extra) {
    if (/^[\d.]+$|:/.test(e)) ips.add(e);
    else if (e) dns.add(e);
  }
  ips.delete('0.0.0.0');
  ips.delete('::');
  return { dns: [...dns], ips: [...ips] };
}

async function readIfAll(dir: string): Promise<TlsMaterial | undefined> {
  try {
    const [key, cert, ca] = await Promise.all(
      ['server.key', 'server.crt', 'ca.crt'].map((f) => readFile(join(dir, f), 'utf8')),
    );
    const x = new X509Certificate(cert!);
    if (new Date(x.validTo).getTime() < Date.now() + 86_400_000) return undefined;
    return { key: key!, cert: cert!, ca: ca! };
  } catch {
    return undefined;
  }
}

/** Load `<stateDir>/tls/*` or generate it on first start (EC P-256: cheap handshakes for per-request TLS). */
export async function ensureTls(stateDir: string, extraNames: string[] = []): Promise<TlsMaterial> {
  const dir = tlsDir(stateDir);
  const existing = await readIfAll(dir);
  if (existing) return existing;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Loaded only when a certificate must be made: it costs ~5 MB of RSS for the life of the process.
  const { generate } = await import('selfsigned');
  const notAfter = new Date(Date.now() + 10 * 365 * 86_400_000);
  const ca = await generate([{ name: 'commonName', value: `bmc-emu CA ${hostname()}` }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const { dns, ips } = hostAltNames(extraNames);
  const server = await generate([{ name: 'commonName', value: hostname() }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...dns.map((value) => ({ type: 2 as const, value })),
          ...ips.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  await writeFileAtomic(join(dir, 'ca.crt'), ca.cert);
  await writeFileAtomic(join(dir, 'ca.key'), ca.private, 0o600);
  await writeFileAtomic(join(dir, 'server.key'), server.private, 0o600);
  await writeFileAtomic(join(dir, 'server.crt'), server.cert);
  return { key: server.private, cert: server.cert, ca: ca.cert };
}
