/** Names and value types of the DHCP options a config may set by name (dnsmasq's names, RFC 2132 and later). */
export type OptionType =
  'ip' | 'ips' | 'u8' | 'u16' | 'u32' | 'i32' | 'bool' | 'text' | 'names' | 'routes' | 'user-classes' | 'hex';

export interface OptionSpec {
  code: number;
  name: string;
  type: OptionType;
}

const SPECS: readonly OptionSpec[] = [
  { code: 1, name: 'netmask', type: 'ip' },
  { code: 2, name: 'time-offset', type: 'i32' },
  { code: 3, name: 'router', type: 'ips' },
  { code: 4, name: 'time-server', type: 'ips' },
  { code: 6, name: 'dns-server', type: 'ips' },
  { code: 7, name: 'log-server', type: 'ips' },
  { code: 9, name: 'lpr-server', type: 'ips' },
  { code: 12, name: 'hostname', type: 'text' },
  { code: 13, name: 'boot-file-size', type: 'u16' },
  { code: 15, name: 'domain-name', type: 'text' },
  { code: 16, name: 'swap-server', type: 'ip' },
  { code: 17, name: 'root-path', type: 'text' },
  { code: 18, name: 'extension-path', type: 'text' },
  { code: 19, name: 'ip-forward-enable', type: 'bool' },
  { code: 22, name: 'max-datagram-reassembly', type: 'u16' },
  { code: 23, name: 'default-ttl', type: 'u8' },
  { code: 26, name: 'mtu', type: 'u16' },
  { code: 27, name: 'all-subnets-local', type: 'bool' },
  { code: 28, name: 'broadcast', type: 'ip' },
  { code: 31, name: 'router-discovery', type: 'bool' },
  { code: 32, name: 'router-solicitation', type: 'ip' },
  { code: 35, name: 'arp-timeout', type: 'u32' },
  { code: 37, name: 'tcp-ttl', type: 'u8' },
  { code: 38, name: 'tcp-keepalive', type: 'u32' },
  { code: 40, name: 'nis-domain', type: 'text' },
  { code: 41, name: 'nis-server', type: 'ips' },
  { code: 42, name: 'ntp-server', type: 'ips' },
  { code: 43, name: 'vendor-encap', type: 'hex' },
  { code: 44, name: 'netbios-ns', type: 'ips' },
  { code: 45, name: 'netbios-dd', type: 'ips' },
  { code: 46, name: 'netbios-nodetype', type: 'u8' },
  { code: 47, name: 'netbios-scope', type: 'text' },
  { code: 56, name: 'message', type: 'text' },
  { code: 60, name: 'vendor-class', type: 'text' },
  { code: 64, name: 'nis+-domain', type: 'text' },
  { code: 65, name: 'nis+-server', type: 'ips' },
  { code: 66, name: 'tftp-server', type: 'text' },
  { code: 67, name: 'bootfile-name', type: 'text' },
  { code: 68, name: 'mobile-ip-home', type: 'ips' },
  { code: 69, name: 'smtp-server', type: 'ips' },
  { code: 70, name: 'pop3-server', type: 'ips' },
  { code: 71, name: 'nntp-server', type: 'ips' },
  { code: 74, name: 'irc-server', type: 'ips' },
  { code: 77, name: 'user-class', type: 'user-classes' },
  // a client's option; named so that match rules can say `option: client-arch` as dnsmasq's dhcp-match does
  { code: 93, name: 'client-arch', type: 'u16' },
  { code: 100, name: 'posix-timezone', type: 'text' },
  { code: 101, name: 'tzdb-timezone', type: 'text' },
  { code: 119, name: 'domain-search', type: 'names' },
  { code: 121, name: 'classless-static-route', type: 'routes' },
  { code: 150, name: 'tftp-server-address', type: 'ips' },
  { code: 249, name: 'ms-classless-static-route', type: 'routes' },
  { code: 252, name: 'wpad', type: 'text' },
];

/**
 * Codes the server itself sets from the lease and the request; a config may not override them (dnsmasq takes
 * these from dhcp-range / dhcp-host, never from dhcp-option).
 */
export const SERVER_SET_CODES: ReadonlySet<number> = new Set([0, 50, 51, 52, 53, 54, 55, 57, 58, 59, 61, 82, 255]);

export const OPTION_SPECS_BY_CODE: ReadonlyMap<number, OptionSpec> = new Map(SPECS.map((s) => [s.code, s]));
export const OPTION_SPECS_BY_NAME: ReadonlyMap<string, OptionSpec> = new Map(SPECS.map((s) => [s.name, s]));

/**
 * The spec for a config key: a code ("121"), a name ("classless-static-route"), either with dnsmasq's
 * "option:" prefix. Codes without a table entry take `hex` ("01:02:ff") or text values. Undefined for a key
 * that is neither a known name nor a code 1..254.
 */
export function optionSpecOf(key: string | number): OptionSpec | undefined {
  const k = String(key)
    .trim()
    .replace(/^option:/, '');
  if (/^\d+$/.test(k)) {
    const code = Number(k);
    if (code < 1 || code > 254) return undefined;
    return OPTION_SPECS_BY_CODE.get(code) ?? { code, name: `option-${code}`, type: 'hex' };
  }
  return OPTION_SPECS_BY_NAME.get(k.toLowerCase());
}
