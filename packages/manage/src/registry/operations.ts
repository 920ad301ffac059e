/**
 * vbmc's verbs as pure changes to the registry, shared by the running server's management API and by the
 * CLI when it edits the file itself. Each throws a BmcEmuError that names what to do instead.
 */
import { BmcEmuError, ErrorCode } from '@bmc-emu/core';
import type { BmcRecord } from '../bmc-record.js';
import { bmcRecordSchema, type RegistryFile } from './schema.js';

export type BmcPatch = Partial<Pick<BmcRecord, 'libvirtUri' | 'user' | 'password' | 'active'>> & {
  ipmi?: Partial<BmcRecord['ipmi']>;
};

function find(reg: RegistryFile, node: string): BmcRecord {
  const b = reg.bmcs.find((x) => x.node === node);
  if (!b) {
    throw new BmcEmuError(
      ErrorCode.NodeNotFound,
      `No BMC "${node}". \`bmc-emu bmc list\` shows them; \`bmc-emu bmc add ${node}\` adds one.`,
      {
        node,
      },
    );
  }
  return b;
}

function validated(b: BmcRecord): BmcRecord {
  const r = bmcRecordSchema.safeParse(b);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new BmcEmuError(ErrorCode.InvalidArgument, `BMC ${b.node}: ${i.path.join('.')}: ${i.message}`, {
      key: i.path.join('.'),
    });
  }
  return r.data as BmcRecord;
}

export function addBmc(reg: RegistryFile, record: BmcRecord): RegistryFile {
  if (reg.bmcs.some((b) => b.node === record.node)) {
    throw new BmcEmuError(
      ErrorCode.Conflict,
      `BMC ${record.node} exists; change it with \`bmc-emu bmc set ${record.node}\``,
      {
        node: record.node,
      },
    );
  }
  reg.bmcs.push(validated(record));
  return reg;
}

export function setBmc(reg: RegistryFile, node: string, patch: BmcPatch): RegistryFile {
  const b = find(reg, node);
  const next: BmcRecord = { ...b, ...patch, ipmi: { ...b.ipmi, ...patch.ipmi } } as BmcRecord;
  if (patch.ipmi && 'address' in patch.ipmi && patch.ipmi.address === undefined) delete next.ipmi.address;
  reg.bmcs[reg.bmcs.indexOf(b)] = validated(next);
  return reg;
}

export function deleteBmc(reg: RegistryFile, node: string): RegistryFile {
  const b = find(reg, node);
  reg.bmcs.splice(reg.bmcs.indexOf(b), 1);
  return reg;
}

export function setActive(reg: RegistryFile, node: string, active: boolean): RegistryFile {
  find(reg, node).active = active;
  return reg;
}

/** The first free port from `base` not used by any BMC in the registry (vbmc users pass --port; we can choose). */
export function nextFreePort(reg: RegistryFile, base: number, address?: string): number {
  const clashes = (b: BmcRecord) => address === undefined || b.ipmi.address === undefined || b.ipmi.address === address;
  const used = new Set(reg.bmcs.filter(clashes).map((b) => b.ipmi.port));
  for (let p = base; p <= 65535; p++) if (!used.has(p)) return p;
  throw new BmcEmuError(ErrorCode.Conflict, `no free IPMI port at or above ${base}`, { base });
}

/** A registry record as shown to people: the password masked unless asked for (vbmc's show_passwords). */
export function shown(b: BmcRecord, showPasswords = false): BmcRecord {
  return showPasswords || b.password === undefined ? b : { ...b, password: '***' };
}
