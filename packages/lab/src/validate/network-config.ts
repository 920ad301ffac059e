import { isIP } from 'node:net';
import { parseCidr } from '../ip.js';
import { arr, isObj, type Obj } from './obj.js';
import type { Violation } from './violation.js';

/**
 * `platform.baremetal.hosts[].networkConfig`: NMState for the host's first boot. The installer's rules
 * (pkg/types/baremetal/validation/platform.go validateNetworkConfig, validateMTUIsInteger): a YAML mapping,
 * and every `interfaces[].mtu` an integer. Debian (bookworm) ships no `nmstatectl`, so the nmstate shape is
 * checked structurally here (our rules, not the installer's): known top-level keys, named interfaces with
 * a known state, addresses with a prefix length, routes and DNS servers that parse.
 */

const TOP_KEYS = [
  'interfaces',
  'routes',
  'route-rules',
  'dns-resolver',
  'hostname',
  'ovs-db',
  'ovn',
  'dispatch',
  'description',
  'version',
];
const STATES = ['up', 'down', 'absent', 'ignore'];

/** Go's %T of a decoded YAML value, for the installer's message. */
const goType = (v: unknown): string =>
  v === null
    ? '<nil>'
    : Array.isArray(v)
      ? '[]interface {}'
      : typeof v === 'object'
        ? 'map[string]interface {}'
        : typeof v === 'boolean'
          ? 'bool'
          : typeof v;

function checkMtu(iface: Obj, path: string, out: Violation[]): void {
  if (!('mtu' in iface)) return;
  const mtu = iface.mtu;
  if (typeof mtu === 'number') return;
  const message =
    typeof mtu === 'string'
      ? /^[+-]?\d+$/.test(mtu)
        ? 'mtu must be an integer (not quoted string)'
        : 'mtu must be an integer'
      : `mtu must be an integer, got ${goType(mtu)}`;
  out.push({ path: `${path}.mtu`, value: mtu, message, fix: 'write the MTU as a bare number, e.g. mtu: 1500' });
}

function checkAddresses(iface: Obj, path: string, out: Violation[]): void {
  for (const fam of ['ipv4', 'ipv6'] as const) {
    const stack = iface[fam];
    if (stack === undefined) continue;
    if (!isObj(stack)) {
      out.push({
        path: `${path}.${fam}`,
        value: stack,
        message: 'not a mapping',
        fix: `write ${fam}: { enabled: true, address: [...] }`,
      });
      continue;
    }
    arr(stack.address).forEach((a, j) => {
      const p = `${path}.${fam}.address[${j}]`;
      const entry = isObj(a) ? a : {};
      const ip = typeof entry.ip === 'string' ? entry.ip : '';
      const want = fam === 'ipv4' ? 4 : 6;
      if (isIP(ip) !== want) {
        out.push({
          path: `${p}.ip`,
          value: entry.ip,
          message: `not an IPv${want} address`,
          fix: `write an IPv${want} address`,
        });
      }
      const len = entry['prefix-length'];
      if (typeof len !== 'number' || !Number.isInteger(len) || len < 0 || len > (want === 4 ? 32 : 128)) {
        out.push({
          path: `${p}.prefix-length`,
          value: len,
          message: `not a prefix length of IPv${want}`,
          fix: `write prefix-length: 0..${want === 4 ? 32 : 128}`,
        });
      }
    });
  }
}

/** Our structural nmstate check of one host's state. */
function checkShape(state: Obj, path: string, out: Violation[]): void {
  for (const key of Object.keys(state)) {
    if (!TOP_KEYS.includes(key)) {
      out.push({
        path: `${path}.${key}`,
        value: key,
        message: 'not an nmstate key',
        fix: `use ${TOP_KEYS.join(', ')}`,
      });
    }
  }
  if (state.interfaces !== undefined && !Array.isArray(state.interfaces)) {
    out.push({
      path: `${path}.interfaces`,
      value: state.interfaces,
      message: 'not a list',
      fix: 'write interfaces: [ { name: ..., type: ethernet, state: up } ]',
    });
  }
  const names = new Map<string, number>();
  arr(state.interfaces).forEach((x, i) => {
    const p = `${path}.interfaces[${i}]`;
    if (!isObj(x)) {
      out.push({ path: p, value: x, message: 'not a mapping', fix: 'write { name: eth0, type: ethernet, state: up }' });
      return;
    }
    checkMtu(x, p, out);
    if (typeof x.name !== 'string' || x.name === '') {
      out.push({
        path: `${p}.name`,
        value: x.name,
        message: 'an interface needs a name',
        fix: 'set name, e.g. enp1s0',
      });
    } else if (names.has(x.name)) {
      out.push({
        path: `${p}.name`,
        value: x.name,
        message: `Duplicate value (already used by interfaces[${names.get(x.name)}])`,
        fix: 'describe each interface once',
      });
    } else names.set(x.name, i);
    if (x.state !== undefined && !STATES.includes(String(x.state))) {
      out.push({
        path: `${p}.state`,
        value: x.state,
        message: `Unsupported value: supported values: ${STATES.map((s) => `"${s}"`).join(', ')}`,
        fix: 'use state: up',
      });
    }
    checkAddresses(x, p, out);
  });
  const routes = isObj(state.routes) ? arr(state.routes.config) : [];
  routes.forEach((r, i) => {
    const p = `${path}.routes.config[${i}]`;
    const route = isObj(r) ? r : {};
    if (typeof route.destination !== 'string' || !parseCidr(route.destination)) {
      out.push({
        path: `${p}.destination`,
        value: route.destination,
        message: 'not a CIDR',
        fix: 'write e.g. 0.0.0.0/0',
      });
    }
    const hop = route['next-hop-address'];
    if (hop !== undefined && (typeof hop !== 'string' || isIP(hop) === 0)) {
      out.push({
        path: `${p}.next-hop-address`,
        value: hop,
        message: 'not an IP address',
        fix: 'write the gateway address',
      });
    }
  });
  const dns = isObj(state['dns-resolver']) && isObj(state['dns-resolver'].config) ? state['dns-resolver'].config : {};
  arr(dns.server).forEach((s, i) => {
    if (typeof s !== 'string' || isIP(s) === 0) {
      out.push({
        path: `${path}.dns-resolver.config.server[${i}]`,
        value: s,
        message: 'not an IP address',
        fix: 'write the DNS server address',
      });
    }
  });
}

export function checkNetworkConfig(bm: Obj, out: Violation[]): void {
  arr(bm.hosts).forEach((h, i) => {
    if (!isObj(h) || h.networkConfig === undefined || h.networkConfig === null) return;
    const path = `platform.baremetal.hosts[${i}].networkConfig`;
    const nc = h.networkConfig;
    if (!isObj(nc)) {
      out.push({
        path,
        value: nc,
        message: `Not a valid yaml: cannot unmarshal ${goType(nc)} into a mapping`,
        fix: 'write the NMState document as a YAML mapping (interfaces:, routes:, dns-resolver:)',
      });
      return;
    }
    checkShape(nc, path, out);
  });
}
