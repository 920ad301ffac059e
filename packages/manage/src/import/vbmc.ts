/**
 * `bmc-emu import vbmc [DIR]`: reads virtualbmc's config tree (default `~/.vbmc`): one folder per domain
 * holding a `config` file (INI, section [VirtualBMC]: username, password, address, port, domain_name,
 * libvirt_uri, libvirt_sasl_username, libvirt_sasl_password, active), as vbmc's manager writes them, and
 * the optional `virtualbmc.conf` beside them.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BmcEmuError, ErrorCode } from '@bmc-emu/core';
import type { BmcRecord, ImportNote } from '../bmc-record.js';
import { parseIni } from './ini.js';

const SECTION = 'VirtualBMC';
const KNOWN = new Set([
  'username',
  'password',
  'address',
  'port',
  'domain_name',
  'libvirt_uri',
  'libvirt_sasl_username',
  'libvirt_sasl_password',
  'active',
]);
/** vbmcd's own settings: about its ZeroMQ control daemon and log, which one bmc-emu process replaces. */
const DAEMON_KEYS: Record<string, string> = {
  'default.config_dir': 'the folder being imported; bmc-emu keeps BMCs in <stateDir>/bmcs.json',
  'default.pid_file': 'bmc-emu runs as one process; no per-BMC or master pid files',
  'default.server_port': "vbmcd's ZeroMQ control port; bmc-emu's management API is a unix socket in the state dir",
  'default.server_response_timeout': 'ZeroMQ control timeout; not applicable',
  'default.server_spawn_wait': 'vbmcd spawn wait; not applicable',
  'default.show_passwords': '`bmc-emu bmc list` never shows passwords; `bmc show --json --show-passwords` does',
  'log.logfile': 'bmc-emu logs JSON to stderr (redirect it, or use the log config)',
  'log.debug': 'use log.level: debug',
  'ipmi.session_timeout': "pyghmi's per-read wait; bmc-emu's sessions time out after ipmi.sessionIdleTimeoutSec",
};

export interface VbmcImport {
  bmcs: BmcRecord[];
  notes: ImportNote[];
}

export function parseVbmcConfig(
  text: string,
  file: string,
  folderName: string,
): { bmc: BmcRecord; notes: ImportNote[] } {
  const sections = parseIni(text, file);
  const s = sections.get(SECTION);
  if (!s) throw new BmcEmuError(ErrorCode.ConfigInvalid, `${file}: no [${SECTION}] section`, { file });
  const notes: ImportNote[] = [];
  const need = (key: string) => {
    const v = s.get(key);
    if (v === undefined || v === '') {
      throw new BmcEmuError(ErrorCode.ConfigInvalid, `${file}: [${SECTION}] ${key} is missing`, { file, key });
    }
    return v;
  };
  const portText = need('port');
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new BmcEmuError(ErrorCode.ConfigInvalid, `${file}: port "${portText}" is not a UDP port (1-65535)`, { file });
  }
  const address = s.get('address');
  const activeText = s.get('active');
  // vbmc writes str(True)/str(False); anything it can't read as a bool it treats as not active.
  const active = activeText !== undefined && activeText.toLowerCase() === 'true';
  if (activeText !== undefined && !/^(true|false)$/i.test(activeText)) {
    notes.push({
      where: file,
      key: 'active',
      why: `"${activeText}" is not True/False; vbmc treats it as inactive, so does bmc-emu`,
    });
  }
  if (s.get('libvirt_sasl_username') || s.get('libvirt_sasl_password')) {
    notes.push({
      where: file,
      key: 'libvirt_sasl_username',
      why: "bmc-emu reaches libvirt through virsh, which reads SASL credentials from libvirt's auth.conf (LIBVIRT_AUTH_FILE); put them there",
    });
  }
  for (const key of s.keys())
    if (!KNOWN.has(key)) notes.push({ where: file, key, why: 'not a key vbmc reads; ignored' });
  const domain = s.get('domain_name') || folderName;
  if (s.get('domain_name') && s.get('domain_name') !== folderName) {
    notes.push({
      where: file,
      key: 'domain_name',
      why: `differs from its folder "${folderName}"; vbmc looks domains up by folder, bmc-emu by domain_name`,
    });
  }
  const bmc: BmcRecord = {
    node: domain,
    ipmi: { port, ...(address && address !== '::' && address !== '0.0.0.0' ? { address } : {}) },
    user: need('username'),
    password: need('password'),
    active,
  };
  const uri = s.get('libvirt_uri');
  if (uri) bmc.libvirtUri = uri;
  return { bmc, notes };
}

export async function importVbmcTree(dir: string): Promise<VbmcImport> {
  let entries: string[];
  try {
    entries = (await readdir(dir)).sort();
  } catch (err) {
    throw new BmcEmuError(
      ErrorCode.ConfigInvalid,
      `cannot read the vbmc folder ${dir}: ${(err as Error).message}`,
      { dir },
      { cause: err },
    );
  }
  const out: VbmcImport = { bmcs: [], notes: [] };
  for (const name of entries) {
    const path = join(dir, name);
    if (name === 'virtualbmc.conf') {
      out.notes.push(...daemonNotes(await readFile(path, 'utf8'), path));
      continue;
    }
    if (!(await stat(path)).isDirectory()) continue;
    const configPath = join(path, 'config');
    let text: string;
    try {
      text = await readFile(configPath, 'utf8');
    } catch {
      out.notes.push({ where: path, key: 'config', why: 'folder has no config file; vbmc would not list it either' });
      continue;
    }
    const { bmc, notes } = parseVbmcConfig(text, configPath, name);
    out.bmcs.push(bmc);
    out.notes.push(...notes);
  }
  const seen = new Map<string, string>();
  for (const b of out.bmcs) {
    const key = `${b.ipmi.address ?? '*'}:${b.ipmi.port}`;
    const other = seen.get(key);
    if (other) {
      throw new BmcEmuError(
        ErrorCode.Conflict,
        `${b.node} and ${other} both use IPMI ${key}; vbmc could start only one of them`,
        { key },
      );
    }
    seen.set(key, b.node);
  }
  return out;
}

function daemonNotes(text: string, file: string): ImportNote[] {
  const notes: ImportNote[] = [];
  for (const [section, keys] of parseIni(text, file)) {
    for (const key of keys.keys()) {
      const why = DAEMON_KEYS[`${section}.${key}`] ?? 'not a setting vbmc reads; ignored';
      notes.push({ where: file, key: `${section}.${key}`, why });
    }
  }
  return notes;
}
