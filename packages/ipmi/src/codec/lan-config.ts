import type { BmcLan } from '@bmc-emu/core';
import { encodeLan6Param, LAN6_WRITE_LENGTH } from './lan6-config.js';

export const LAN_PARAM_REVISION = 0x11;

/** LAN Configuration Parameter numbers (IPMI 2.0 table 23-4) this BMC knows. */
export const LAN_PARAM = {
  setInProgress: 0,
  authTypeSupport: 1,
  authTypeEnables: 2,
  ipAddress: 3,
  ipSource: 4,
  macAddress: 5,
  subnetMask: 6,
  ipv4Header: 7,
  arpControl: 10,
  garpInterval: 11,
  gatewayIp: 12,
  gatewayMac: 13,
  backupGatewayIp: 14,
  backupGatewayMac: 15,
  community: 16,
  vlanId: 20,
  vlanPriority: 21,
  cipherSuiteSupport: 22,
  cipherSuiteEntries: 23,
  cipherSuitePrivileges: 24,
} as const;

const AUTH_TYPE_MD5 = 1 << 2;

export interface LanParamView {
  lan: BmcLan;
  /** IPMI 1.5 MD5 sessions answered. */
  md5: boolean;
  cipherSuites: number[];
  /** Maximum privilege per cipher suite id (4 = administrator). */
  suitePrivilege: (id: number) => number;
  setInProgress: number;
}

const ipBytes = (ip: string) => ip.split('.').map((o) => Number(o) & 0xff);
const macBytes = (mac: string) => mac.split(':').map((h) => Number.parseInt(h, 16) & 0xff);

/**
 * The data bytes of one parameter (after the revision byte), or undefined when it is not supported;
 * `set` is the set selector of the IPv6 parameters that have sets (a set past the last: 'outOfRange').
 */
export function encodeLanParam(param: number, v: LanParamView, set = 0): Buffer | undefined | 'outOfRange' {
  if (param >= 50) {
    const six = encodeLan6Param(param, set, v.lan);
    return six === 'unsupported' ? undefined : six;
  }
  const auth = v.md5 ? AUTH_TYPE_MD5 : 0;
  switch (param) {
    case LAN_PARAM.setInProgress:
      return Buffer.from([v.setInProgress & 0x03]);
    case LAN_PARAM.authTypeSupport:
      return Buffer.from([auth]);
    case LAN_PARAM.authTypeEnables:
      return Buffer.from([0x00, auth, auth, auth, 0x00]); // callback, user, operator, admin, OEM
    case LAN_PARAM.ipAddress:
      return Buffer.from(ipBytes(v.lan.address));
    case LAN_PARAM.ipSource:
      return Buffer.from([0x01]); // static
    case LAN_PARAM.macAddress:
      return Buffer.from(macBytes(v.lan.mac));
    case LAN_PARAM.subnetMask:
      return Buffer.from(ipBytes(v.lan.netmask));
    case LAN_PARAM.ipv4Header:
      return Buffer.from([0x40, 0x40, 0x10]); // TTL 64, don't fragment, normal precedence/TOS
    case LAN_PARAM.arpControl:
      return Buffer.from([0x00]);
    case LAN_PARAM.garpInterval:
      return Buffer.from([0x00]);
    case LAN_PARAM.gatewayIp:
    case LAN_PARAM.backupGatewayIp:
      return Buffer.from(ipBytes(param === LAN_PARAM.gatewayIp ? v.lan.gateway : '0.0.0.0'));
    case LAN_PARAM.gatewayMac:
    case LAN_PARAM.backupGatewayMac:
      return Buffer.alloc(6);
    case LAN_PARAM.community: {
      const b = Buffer.alloc(18);
      b.write('public', 'latin1');
      return b;
    }
    case LAN_PARAM.vlanId: {
      const id = v.lan.vlanId ?? 0;
      return Buffer.from([id & 0xff, (v.lan.vlanId !== undefined ? 0x80 : 0) | ((id >> 8) & 0x0f)]);
    }
    case LAN_PARAM.vlanPriority:
      return Buffer.from([0x00]);
    case LAN_PARAM.cipherSuiteSupport:
      return Buffer.from([v.cipherSuites.length]);
    case LAN_PARAM.cipherSuiteEntries:
      return Buffer.from([0x00, ...v.cipherSuites]);
    case LAN_PARAM.cipherSuitePrivileges: {
      // 16 nibbles, entry 0 first in the low nibble of the first privilege byte
      const out = Buffer.alloc(9);
      for (let entry = 0; entry < 16; entry++) {
        const id = v.cipherSuites[entry];
        const priv = id === undefined ? 0 : v.suitePrivilege(id) & 0x0f;
        out[1 + (entry >> 1)]! |= entry & 1 ? priv << 4 : priv;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Expected data length of a write to each parameter (Set LAN Configuration Parameters). */
export const LAN_PARAM_LENGTH: Partial<Record<number, number>> = {
  0: 1,
  1: 1,
  2: 5,
  3: 4,
  4: 1,
  5: 6,
  6: 4,
  7: 3,
  10: 1,
  11: 1,
  12: 4,
  13: 6,
  14: 4,
  15: 6,
  16: 18,
  20: 2,
  21: 1,
  22: 1,
  24: 9,
};

export type LanWriteVerdict = 'ok' | 'unsupported' | 'readOnly' | 'badLength' | 'invalid';

/**
 * What a write can do on this BMC. The emulator cannot move its socket or change the host's
 * network, so a write equal to the current value succeeds (scripts re-apply settings) and any other
 * value is refused as read-only; never dropped silently.
 */
export function judgeLanWrite(param: number, data: Buffer, v: LanParamView): LanWriteVerdict {
  const len = LAN_PARAM_LENGTH[param] ?? LAN6_WRITE_LENGTH[param];
  if (param === LAN_PARAM.cipherSuiteEntries || len === undefined) {
    return encodeLanParam(param, v) === undefined ? 'unsupported' : 'readOnly';
  }
  if (data.length !== len) return 'badLength';
  if (param === LAN_PARAM.setInProgress) return (data[0]! & 0x03) === 3 ? 'invalid' : 'ok';
  // the IPv6 static address carries its set selector first, as its Get answer does
  const current = encodeLanParam(param, v, param === 56 ? data[0]! : 0);
  if (current === 'outOfRange') return 'invalid';
  return current?.equals(data) ? 'ok' : 'readOnly';
}
