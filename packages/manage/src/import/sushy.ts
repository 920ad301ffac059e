/**
 * `bmc-emu import sushy FILE`: turns sushy-tools' emulator.conf (a Python file of SUSHY_EMULATOR_* literals)
 * into a bmc-emu config that keeps the same listen address, port, scheme, certificate, libvirt URI and
 * accounts, so Ironic's driver_info and install-config need no edit. Every key it can't carry over is
 * listed with why.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { BmcRecord, ImportNote } from '../bmc-record.js';
import { parseHtpasswd } from './htpasswd.js';
import { type PyValue, requireAssignments } from './python-literal.js';

/** The bmc-emu config keys an import writes (checked against the composed schema by the CLI before writing). */
export interface SushyImportConfig {
  bind?: string;
  stateDir?: string;
  driver?: { kind: 'libvirt'; libvirtUris: string[]; serve?: 'listed' };
  redfish: {
    port?: number;
    tls: boolean;
    certFile?: string;
    keyFile?: string;
    htpasswdFile?: string;
    /** bmc-emu's real key: fetch virtual media without checking its certificate. */
    insecureImageTls?: boolean;
  };
}

export interface SushyImport {
  config: SushyImportConfig;
  /** ALLOWED_INSTANCES, as BMCs served under `driver.serve: listed`. */
  bmcs: BmcRecord[];
  /** Users the htpasswd file gives, and those it refuses (with why). */
  accounts: { users: string[]; refused: ImportNote[] };
  notes: ImportNote[];
}

const IGNORED: Record<string, string> = {
  SUSHY_EMULATOR_OS_CLOUD: 'the OpenStack (nova) driver: bmc-emu serves libvirt domains and its memory driver',
  SUSHY_EMULATOR_IRONIC_CLOUD: 'the Ironic driver: bmc-emu serves libvirt domains and its memory driver',
  SUSHY_EMULATOR_FAKE_DRIVER: 'the fake driver: use `driver.kind: memory` (with `bmc add --memory` for named nodes)',
  SUSHY_EMULATOR_FAKE_SYSTEMS: 'fake systems: use `driver.kind: memory` and `bmc add --memory NAME`',
  SUSHY_EMULATOR_BOOT_LOADER_MAP:
    "firmware paths: bmc-emu lets libvirt's firmware auto-selection pick OVMF for UEFI and secure boot",
  SUSHY_EMULATOR_SECURE_BOOT_ENABLED_NVRAM:
    "nvram template: libvirt's firmware auto-selection picks the secure-boot variables",
  SUSHY_EMULATOR_SECURE_BOOT_DISABLED_NVRAM: "nvram template: libvirt's firmware auto-selection picks the variables",
  SUSHY_EMULATOR_IGNORE_BOOT_DEVICE:
    'not supported: bmc-emu always applies the boot override to the domain (per-device boot order)',
  SUSHY_EMULATOR_CHASSIS:
    'static chassis: bmc-emu shows one chassis per system (and per hypervisor) derived from libvirt',
  SUSHY_EMULATOR_INDICATOR_LEDS: 'IndicatorLED is deprecated in Redfish; bmc-emu shows LocationIndicatorActive',
  SUSHY_EMULATOR_STORAGE: 'static storage inventory: bmc-emu derives Storage and Drives from the domain XML',
  SUSHY_EMULATOR_DRIVES: 'static drives: bmc-emu derives Drives from the domain XML',
  SUSHY_EMULATOR_VOLUMES: 'static volumes: bmc-emu derives Volumes from the domain XML',
  SUSHY_EMULATOR_STORAGE_POOL: 'used only for sushy-tools volume creation, which bmc-emu does not offer',
  SUSHY_EMULATOR_DISABLE_POWER_OFF: 'not supported: power off is always allowed',
  SUSHY_EMULATOR_FEATURE_SET: 'bmc-emu always serves its full resource set',
  SUSHY_EMULATOR_NO_MEMOIZE: 'bmc-emu keeps a libvirt cache refreshed by `virsh event`; nothing to turn off',
  SUSHY_EMULATOR_VIRTUAL_MEDIA_IP_FAMILY: 'bmc-emu downloads images over whichever family the URL resolves to',
};

function str(v: PyValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export async function importSushyConfig(file: string, opts: { ipmiBasePort?: number } = {}): Promise<SushyImport> {
  const text = await readFile(file, 'utf8');
  const parsed = requireAssignments(text, file);
  const notes: ImportNote[] = parsed.skipped.map((s) => ({
    where: `${file}:${s.line}`,
    key: s.name,
    why: `not read: ${s.reason}; only literal assignments are imported`,
  }));
  const get = (k: string) => parsed.values.get(k)?.value;
  const at = (k: string) => `${file}:${parsed.values.get(k)?.line ?? '?'}`;
  const rel = (p: string) => (isAbsolute(p) ? p : resolve(dirname(file), p));
  const out: SushyImport = {
    config: { redfish: { tls: false } },
    bmcs: [],
    accounts: { users: [], refused: [] },
    notes,
  };
  const used = new Set<string>();
  const use = (k: string) => {
    used.add(k);
    return get(k);
  };

  const ip = use('SUSHY_EMULATOR_LISTEN_IP');
  if (typeof ip === 'string') {
    // sushy-tools' default '' listens on every IPv4 address (werkzeug's host '').
    out.config.bind = ip === '' ? '0.0.0.0' : ip;
    if (out.config.bind !== '127.0.0.1' && out.config.bind !== '::1') {
      notes.push({
        where: at('SUSHY_EMULATOR_LISTEN_IP'),
        key: 'SUSHY_EMULATOR_LISTEN_IP',
        why: `bmc-emu binds ${out.config.bind} as sushy-tools did; off loopback it refuses to start with the default password, so set \`password\``,
      });
    }
  }
  const port = use('SUSHY_EMULATOR_LISTEN_PORT');
  if (typeof port === 'number') out.config.redfish.port = port;
  const cert = str(use('SUSHY_EMULATOR_SSL_CERT'));
  const key = str(use('SUSHY_EMULATOR_SSL_KEY'));
  if (cert && key) out.config.redfish = { ...out.config.redfish, tls: true, certFile: rel(cert), keyFile: rel(key) };
  else if (cert || key) {
    notes.push({
      where: file,
      key: cert ? 'SUSHY_EMULATOR_SSL_KEY' : 'SUSHY_EMULATOR_SSL_CERT',
      why: 'a certificate needs both CERT and KEY; sushy-tools served plain HTTP, and so will bmc-emu',
    });
  }
  const uri = str(use('SUSHY_EMULATOR_LIBVIRT_URI')) ?? str(use('SUSHY_EMULATOR_LIBVIRT_URL'));
  if (uri) out.config.driver = { kind: 'libvirt', libvirtUris: [uri] };
  const stateDir = str(use('SUSHY_EMULATOR_STATE_DIR'));
  if (stateDir) out.config.stateDir = rel(stateDir);
  const verify = use('SUSHY_EMULATOR_VMEDIA_VERIFY_SSL');
  // sushy-tools' key says "verify"; bmc-emu's says "insecure", so the value flips.
  if (typeof verify === 'boolean') out.config.redfish.insecureImageTls = !verify;

  const auth = str(use('SUSHY_EMULATOR_AUTH_FILE'));
  if (auth) {
    const path = rel(auth);
    const ht = parseHtpasswd(await readFile(path, 'utf8'), path);
    out.config.redfish.htpasswdFile = path;
    out.accounts.users = ht.entries.map((e) => e.user);
    out.accounts.refused = ht.refused.map((r) => ({ where: `${path}:${r.line}`, key: r.user, why: r.why }));
  } else {
    notes.push({
      where: file,
      key: 'SUSHY_EMULATOR_AUTH_FILE',
      why: 'sushy-tools ran without authentication; bmc-emu always asks for an account: give Ironic the config `user`/`password`',
    });
  }

  const allowed = use('SUSHY_EMULATOR_ALLOWED_INSTANCES');
  if (Array.isArray(allowed)) {
    let next = opts.ipmiBasePort ?? 6230;
    for (const id of allowed) {
      if (typeof id !== 'string') {
        notes.push({
          where: at('SUSHY_EMULATOR_ALLOWED_INSTANCES'),
          key: 'SUSHY_EMULATOR_ALLOWED_INSTANCES',
          why: `${JSON.stringify(id)} is not a name or UUID; skipped`,
        });
        continue;
      }
      out.bmcs.push({ node: id, ipmi: { port: next++ }, active: true, ...(uri ? { libvirtUri: uri } : {}) });
    }
    if (out.config.driver) out.config.driver.serve = 'listed';
    else
      notes.push({
        where: at('SUSHY_EMULATOR_ALLOWED_INSTANCES'),
        key: 'SUSHY_EMULATOR_ALLOWED_INSTANCES',
        why: 'no libvirt URI is set, so the list applies to the default driver: set driver.serve: listed yourself',
      });
  }

  const vmedia = use('SUSHY_EMULATOR_VMEDIA_DEVICES');
  if (vmedia && typeof vmedia === 'object' && !Array.isArray(vmedia)) {
    const extra = Object.keys(vmedia).filter((k) => !['Cd', 'Floppy', 'USBStick'].includes(k));
    notes.push({
      where: at('SUSHY_EMULATOR_VMEDIA_DEVICES'),
      key: 'SUSHY_EMULATOR_VMEDIA_DEVICES',
      why: extra.length
        ? `bmc-emu offers the devices Cd, Floppy and USBStick; ${extra.join(', ')} cannot be created`
        : 'bmc-emu offers these devices (Cd, Floppy, USBStick) built in; names and media types are its own',
    });
  }

  for (const [k, { line }] of parsed.values) {
    if (used.has(k) || k === 'SUSHY_EMULATOR_VMEDIA_DEVICES') continue;
    const why =
      IGNORED[k] ??
      (k.startsWith('SUSHY_EMULATOR_OS_')
        ? 'an OpenStack-driver setting; bmc-emu has no OpenStack driver'
        : k.startsWith('SUSHY_EMULATOR_')
          ? 'not a sushy-tools setting bmc-emu knows'
          : "a Flask setting, not sushy-tools'; ignored");
    notes.push({ where: `${file}:${line}`, key: k, why });
  }
  return out;
}
