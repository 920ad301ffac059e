import { decodeFail } from './errors.js';
import { ipBytes, readIp } from './ipv4.js';
import type { DhcpOption, DhcpPacket } from './packet.js';

/** Option codes this server reads or writes (RFC 2132, 3004, 3396, 3442, 3397, 4578, iPXE). */
export const Opt = {
  SubnetMask: 1,
  Router: 3,
  DnsServers: 6,
  Hostname: 12,
  DomainName: 15,
  BroadcastAddress: 28,
  VendorSpecific: 43,
  RequestedIp: 50,
  LeaseTime: 51,
  Overload: 52,
  MessageType: 53,
  ServerId: 54,
  ParameterList: 55,
  Message: 56,
  MaxMessageSize: 57,
  RenewalTime: 58,
  RebindingTime: 59,
  VendorClass: 60,
  ClientId: 61,
  TftpServerName: 66,
  BootfileName: 67,
  UserClass: 77,
  ClientArch: 93,
  ClientNdi: 94,
  ClientMachineId: 97,
  /** RFC 3046 relay agent information (sub-option 5: RFC 3527 link selection). */
  RelayAgentInfo: 82,
  /** RFC 3011 subnet selection. */
  SubnetSelection: 118,
  DomainSearch: 119,
  ClasslessRoutes: 121,
  Ipxe: 175,
} as const;

export const MessageType = {
  Discover: 1,
  Offer: 2,
  Request: 3,
  Decline: 4,
  Ack: 5,
  Nak: 6,
  Release: 7,
  Inform: 8,
} as const;

export const MESSAGE_TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(MessageType).map(([k, v]) => [v, k.toUpperCase()]),
);

export function findOption(p: Pick<DhcpPacket, 'options'>, code: number): Uint8Array | undefined {
  return p.options.find((o) => o.code === code)?.data;
}

function need(data: Uint8Array, n: number, what: string): void {
  if (data.length < n) decodeFail(`${what} needs ${n} bytes, has ${data.length}`);
}

export const u8 = {
  encode: (v: number) => Uint8Array.of(v & 255),
  decode: (d: Uint8Array) => {
    need(d, 1, 'u8');
    return d[0]!;
  },
};
export const u16 = {
  encode: (v: number) => Uint8Array.of((v >>> 8) & 255, v & 255),
  decode: (d: Uint8Array) => {
    need(d, 2, 'u16');
    return (d[0]! << 8) | d[1]!;
  },
};
export const u32 = {
  encode: (v: number) => Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255),
  decode: (d: Uint8Array) => {
    need(d, 4, 'u32');
    return ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
  },
};
export const ip = {
  encode: (v: string) => ipBytes(v),
  decode: (d: Uint8Array) => {
    need(d, 4, 'IPv4 address');
    return readIp(d, 0);
  },
};
export const ipList = {
  encode: (v: readonly string[]) => Buffer.concat(v.map(ipBytes)),
  decode: (d: Uint8Array): string[] => {
    if (d.length % 4 !== 0) decodeFail(`address list length ${d.length} is not a multiple of 4`);
    const out: string[] = [];
    for (let i = 0; i < d.length; i += 4) out.push(readIp(d, i));
    return out;
  },
};
export const text = {
  encode: (v: string) => Uint8Array.from(Buffer.from(v, 'utf8')),
  /** NUL padding some clients append is not part of the value. */
  decode: (d: Uint8Array) => Buffer.from(d).toString('utf8').replace(/\0+$/, ''),
};
/** Option 93: a list of 16-bit architecture types (RFC 4578). */
export const u16List = {
  encode: (v: readonly number[]) => Buffer.concat(v.map((x) => u16.encode(x))),
  decode: (d: Uint8Array): number[] => {
    if (d.length % 2 !== 0) decodeFail(`option 93 length ${d.length} is odd`);
    const out: number[] = [];
    for (let i = 0; i < d.length; i += 2) out.push((d[i]! << 8) | d[i + 1]!);
    return out;
  },
};

/** Option 94 (RFC 4578): network interface identifier, type 1 = UNDI. */
export interface ClientNdi {
  type: number;
  major: number;
  minor: number;
}
export const clientNdi = {
  encode: (v: ClientNdi) => Uint8Array.of(v.type, v.major, v.minor),
  decode: (d: Uint8Array): ClientNdi => {
    need(d, 3, 'option 94');
    return { type: d[0]!, major: d[1]!, minor: d[2]! };
  },
};

/** Option 97 (RFC 4578): type 0 followed by a 16-byte GUID. */
export interface MachineId {
  type: number;
  id: Uint8Array;
}
export const machineId = {
  encode: (v: MachineId) => Buffer.concat([Uint8Array.of(v.type), v.id]),
  decode: (d: Uint8Array): MachineId => {
    need(d, 1, 'option 97');
    return { type: d[0]!, id: Uint8Array.from(d.subarray(1)) };
  },
};

/** Sub-options (43 vendor-encapsulated, 175 iPXE-encapsulated): code/length/value without pad/end framing. */
export const subOptions = {
  encode: (v: readonly DhcpOption[]): Uint8Array => {
    const parts: Uint8Array[] = [];
    for (const o of v) {
      if (o.data.length > 255) decodeFail(`sub-option ${o.code} is longer than 255 bytes`);
      parts.push(Uint8Array.of(o.code, o.data.length), o.data);
    }
    return Buffer.concat(parts);
  },
  decode: (d: Uint8Array): DhcpOption[] => {
    const out: DhcpOption[] = [];
    let i = 0;
    while (i < d.length) {
      const code = d[i]!;
      if (code === 0) {
        i++;
        continue;
      }
      if (code === 255) break;
      if (i + 1 >= d.length) decodeFail(`sub-option ${code} has no length byte`);
      const len = d[i + 1]!;
      if (i + 2 + len > d.length) decodeFail(`sub-option ${code} runs past the end`);
      out.push({ code, data: Uint8Array.from(d.subarray(i + 2, i + 2 + len)) });
      i += 2 + len;
    }
    return out;
  },
};

/**
 * Option 77 (RFC 3004): length-prefixed class names. iPXE and others send a bare string instead;
 * when the bytes do not parse as RFC 3004, the whole option is one class.
 */
export const userClass = {
  encode: (v: readonly string[]) =>
    Buffer.concat(
      v.map((s) => {
        const b = Buffer.from(s, 'utf8');
        if (b.length === 0 || b.length > 255) decodeFail('user class entries must be 1..255 bytes');
        return Buffer.concat([Uint8Array.of(b.length), b]);
      }),
    ),
  decode: (d: Uint8Array): string[] => {
    const out: string[] = [];
    let i = 0;
    while (i < d.length) {
      const len = d[i]!;
      if (len === 0 || i + 1 + len > d.length) return [Buffer.from(d).toString('utf8')];
      out.push(Buffer.from(d.subarray(i + 1, i + 1 + len)).toString('utf8'));
      i += 1 + len;
    }
    return out;
  },
};

/** Option 121 (RFC 3442): destination with compact prefix, then router. */
export interface ClasslessRoute {
  destination: string;
  prefix: number;
  router: string;
}
export const classlessRoutes = {
  encode: (v: readonly ClasslessRoute[]): Uint8Array =>
    Buffer.concat(
      v.map((r) => {
        const sig = Math.ceil(r.prefix / 8);
        return Buffer.concat([Uint8Array.of(r.prefix), ipBytes(r.destination).subarray(0, sig), ipBytes(r.router)]);
      }),
    ),
  decode: (d: Uint8Array): ClasslessRoute[] => {
    const out: ClasslessRoute[] = [];
    let i = 0;
    while (i < d.length) {
      const prefix = d[i]!;
      if (prefix > 32) decodeFail(`route prefix ${prefix} exceeds 32`);
      const sig = Math.ceil(prefix / 8);
      if (i + 1 + sig + 4 > d.length) decodeFail('classless route runs past the end');
      const dest = new Uint8Array(4);
      dest.set(d.subarray(i + 1, i + 1 + sig));
      out.push({ destination: readIp(dest, 0), prefix, router: readIp(d, i + 1 + sig) });
      i += 1 + sig + 4;
    }
    return out;
  },
};

/** Option 119 (RFC 3397): DNS names in wire form; decode follows compression pointers. */
export const domainSearch = {
  encode: (names: readonly string[]): Uint8Array => {
    const parts: Uint8Array[] = [];
    for (const name of names) {
      for (const label of name.split('.').filter(Boolean)) {
        const b = Buffer.from(label, 'utf8');
        if (b.length > 63) decodeFail(`DNS label "${label}" is longer than 63 bytes`);
        parts.push(Uint8Array.of(b.length), b);
      }
      parts.push(Uint8Array.of(0));
    }
    return Buffer.concat(parts);
  },
  decode: (d: Uint8Array): string[] => {
    const names: string[] = [];
    let i = 0;
    while (i < d.length) {
      const labels: string[] = [];
      let at = i;
      let jumped = false;
      for (let hops = 0; ; hops++) {
        if (hops > 255 || at >= d.length) decodeFail('domain search name is truncated or loops');
        const len = d[at]!;
        if (len === 0) {
          if (!jumped) i = at + 1;
          break;
        }
        if ((len & 0xc0) === 0xc0) {
          if (at + 1 >= d.length) decodeFail('domain search pointer is truncated');
          if (!jumped) i = at + 2;
          jumped = true;
          at = ((len & 0x3f) << 8) | d[at + 1]!;
          continue;
        }
        if (len > 63) decodeFail(`DNS label length ${len} is invalid`);
        if (at + 1 + len > d.length) decodeFail('DNS label runs past the end');
        labels.push(Buffer.from(d.subarray(at + 1, at + 1 + len)).toString('utf8'));
        at += 1 + len;
      }
      names.push(labels.join('.'));
    }
    return names;
  },
};
