import { formatIp, nthHost } from '../ip.js';
import type { LabModel } from '../model.js';
import { labTagXml } from './tag.js';
import { esc } from './xml-escape.js';

const DNSMASQ_NS = 'http://libvirt.org/schemas/network/dnsmasq/1.0';

/**
 * The baremetal network: bridge named like the network, DNS for api / api-int / every node, a wildcard
 * `*.apps` through dnsmasq's `address=` option (libvirt's own <dns> has no wildcards), DHCP
 * reservations per node MAC.
 */
export function baremetalNetworkXml(m: LabModel): string {
  const { name, forward, stacks, apiVIPs, ingressVIPs } = m.baremetal;
  const zone = `${m.lab.name}.${m.lab.baseDomain}`;
  const dnsHosts: string[] = [];
  for (const vip of apiVIPs) {
    dnsHosts.push(
      `    <host ip="${esc(vip)}">`,
      `      <hostname>api.${esc(zone)}</hostname>`,
      `      <hostname>api-int.${esc(zone)}</hostname>`,
      `    </host>`,
    );
  }
  for (const n of m.nodes) {
    n.ips.forEach((ip) => {
      dnsHosts.push(
        `    <host ip="${esc(ip)}">`,
        `      <hostname>${esc(n.name)}.${esc(zone)}</hostname>`,
        `    </host>`,
      );
    });
  }
  const ips = stacks.map((s, si) => {
    const hosts = m.nodes.map((n) =>
      s.family === 4
        ? `      <host mac="${n.baremetalMac}" name="${esc(n.name)}" ip="${esc(n.ips[si]!)}"/>`
        : `      <host name="${esc(n.name)}" ip="${esc(n.ips[si]!)}"/>`,
    );
    return [
      `  <ip${s.family === 6 ? ' family="ipv6"' : ''} address="${esc(s.gateway)}" prefix="${s.prefix}">`,
      `    <dhcp>`,
      `      <range start="${esc(s.dhcpRange[0])}" end="${esc(s.dhcpRange[1])}"/>`,
      ...hosts,
      `    </dhcp>`,
      `  </ip>`,
    ].join('\n');
  });
  return [
    `<network xmlns:dnsmasq="${DNSMASQ_NS}">`,
    `  <name>${esc(name)}</name>`,
    labTagXml({ lab: m.lab.name, role: 'baremetal' }, '  '),
    ...(forward === 'nat' ? [`  <forward mode="nat"/>`] : []),
    `  <bridge name="${esc(name)}" stp="off" delay="0"/>`,
    `  <domain name="${esc(zone)}" localOnly="yes"/>`,
    `  <dns>`,
    ...dnsHosts,
    `  </dns>`,
    ...ips,
    `  <dnsmasq:options>`,
    ...ingressVIPs.map((vip) => `    <dnsmasq:option value="address=/apps.${esc(zone)}/${esc(vip)}"/>`),
    `  </dnsmasq:options>`,
    `</network>`,
    '',
  ].join('\n');
}

/**
 * The provisioning network: isolated, no libvirt DHCP (Ironic's own DHCP lives there when Managed; our
 * DHCP serves it in upi mode). The host keeps an address on it so the bootstrap VM and our servers reach it.
 */
export function provisioningNetworkXml(m: LabModel): string | undefined {
  const p = m.provisioning;
  if (p.mode === 'Disabled') return undefined;
  const hostIp = provisioningHostIp(m);
  return [
    `<network>`,
    `  <name>${esc(p.name)}</name>`,
    labTagXml({ lab: m.lab.name, role: 'provisioning' }, '  '),
    `  <bridge name="${esc(p.name)}" stp="off" delay="0"/>`,
    `  <ip${p.cidr.family === 6 ? ' family="ipv6"' : ''} address="${esc(hostIp)}" prefix="${p.cidr.prefix}"/>`,
    `</network>`,
    '',
  ].join('\n');
}

/** The host's own address on the provisioning network: the first host address (.1). */
export function provisioningHostIp(m: LabModel): string {
  return formatIp(nthHost(m.provisioning.cidr, 1));
}
