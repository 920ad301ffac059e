import { cidrContains, ipInRange, parseIp } from '../ip.js';
import type { LabModel, LabStack } from '../model.js';
import { enabledCapabilities } from './capabilities.js';
import type { Violation } from './violation.js';

/** lab.yaml rules the installer cannot see (libvirt's DHCP range, our address plan, names). Paths are lab.yaml keys. */
export function checkLab(m: LabModel): Violation[] {
  const out: Violation[] = [];
  const bm = m.lab.networks.baremetal;
  const stackKey = (s: LabStack) => `networks.baremetal.ipv${s.family}`;
  if (bm.ipv4 && parseIp(bm.ipv4.cidr.split('/')[0]!)?.family !== 4) {
    out.push({
      path: 'networks.baremetal.ipv4.cidr',
      value: bm.ipv4.cidr,
      message: 'not an IPv4 CIDR',
      fix: 'put IPv6 networks under networks.baremetal.ipv6',
    });
  }
  if (bm.ipv6 && parseIp(bm.ipv6.cidr.split('/')[0]!)?.family !== 6) {
    out.push({
      path: 'networks.baremetal.ipv6.cidr',
      value: bm.ipv6.cidr,
      message: 'not an IPv6 CIDR',
      fix: 'put IPv4 networks under networks.baremetal.ipv4',
    });
  }
  for (const s of m.baremetal.stacks) {
    const [start, end] = s.dhcpRange.map((x) => parseIp(x));
    if (!cidrContains(s.cidr, parseIp(s.gateway))) {
      out.push({
        path: `${stackKey(s)}.gateway`,
        value: s.gateway,
        message: `not inside ${s.network}`,
        fix: 'use an address of the network, usually its first',
      });
    }
    if (!cidrContains(s.cidr, start) || !cidrContains(s.cidr, end) || (start && end && start.value > end.value)) {
      out.push({
        path: `${stackKey(s)}.dhcpRange`,
        value: s.dhcpRange,
        message: `not an ascending range inside ${s.network}`,
        fix: 'write [first, last] inside the CIDR',
      });
      continue;
    }
    for (const key of ['apiVIPs', 'ingressVIPs'] as const) {
      m.baremetal[key].forEach((vip, i) => {
        if (ipInRange(parseIp(vip), start, end)) {
          out.push({
            path: `networks.baremetal.${key}[${i}]`,
            value: vip,
            message: `inside the DHCP range ${s.dhcpRange.join('-')}: libvirt could lease it to a node`,
            fix: 'pick an address below the DHCP range (the default is .5 for the API, .4 for Ingress)',
          });
        }
      });
    }
    const si = m.baremetal.stacks.indexOf(s);
    const last = m.nodes[m.nodes.length - 1];
    const ip = last ? parseIp(last.ips[si]!) : undefined;
    if (last && (!cidrContains(s.cidr, ip) || ipInRange(ip, start, end))) {
      out.push({
        path: `${stackKey(s)}.cidr`,
        value: s.network,
        message: `too small for ${m.nodes.length} node reservations starting at .20 below the DHCP range`,
        fix: 'use a larger network or move dhcpRange up',
      });
    }
    const taken = new Set(m.nodes.map((n) => n.ips[si]));
    for (const key of ['apiVIPs', 'ingressVIPs'] as const) {
      m.baremetal[key].forEach((vip, i) => {
        if (taken.has(vip))
          out.push({
            path: `networks.baremetal.${key}[${i}]`,
            value: vip,
            message: 'reserved for a node (nodes get .20 and up)',
            fix: 'pick an address below .20',
          });
      });
    }
  }
  if (m.provisioning.mode !== 'Disabled' && m.provisioning.name === m.baremetal.name) {
    out.push({
      path: 'networks.provisioning.name',
      value: m.provisioning.name,
      message: 'the same as the baremetal network',
      fix: 'give the two networks different names',
    });
  }
  if (m.provisioning.mode === 'Managed' && m.lab.networks.provisioning.serve) {
    out.push({
      path: 'networks.provisioning.serve',
      value: true,
      message: "a Managed provisioning network is served by Ironic's own DHCP",
      fix: 'set mode: Unmanaged to serve it with bmc-emu, or serve: false',
    });
  }
  if (m.lab.mode === 'upi' && m.provisioning.mode === 'Managed') {
    out.push({
      path: 'networks.provisioning.mode',
      value: 'Managed',
      message: 'upi mode PXE-boots from our DHCP, which cannot share the network with Ironic',
      fix: 'set networks.provisioning.mode: Unmanaged for upi',
    });
  }
  const names = new Set(m.nodes.map((n) => n.name));
  for (const key of Object.keys(m.lab.hosts)) {
    if (!names.has(key)) {
      out.push({
        path: `hosts.${key}`,
        value: key,
        message: 'no such host in this lab',
        fix: `use one of ${[...names].join(', ') || '(no hosts)'}`,
      });
    }
  }
  checkTwoNodeLab(m, out);
  if (m.lab.mode === 'upi') {
    // platform none has no platform.baremetal to carry them: refuse rather than drop them silently
    const ipiOnly: [string, unknown][] = [
      ['controlPlane.fencing', m.lab.controlPlane.fencing],
      ['arbiter.count', m.lab.arbiter.count > 0 ? m.lab.arbiter.count : undefined],
      ['networks.ntpServers', m.lab.networks.ntpServers],
      ['networks.baremetal.loadBalancer', m.lab.networks.baremetal.loadBalancer],
      ...Object.entries(m.lab.hosts).map(([n, h]): [string, unknown] => [
        `hosts.${n}.networkConfigFile`,
        h.networkConfigFile,
      ]),
    ];
    for (const [path, value] of ipiOnly.filter(([, v]) => v !== undefined)) {
      out.push({
        path,
        value,
        message: 'an ipi (platform baremetal) setting: upi renders platform none, which has no such field',
        fix: 'remove it, or use mode: ipi',
      });
    }
  }
  const caps = m.lab.cluster.capabilities;
  if (m.lab.mode === 'ipi' && caps && !enabledCapabilities({ capabilities: caps }).has('MachineAPI')) {
    out.push({
      path: 'cluster.capabilities',
      value: caps,
      message:
        'ipi without the MachineAPI capability: the installer then ignores platform.baremetal.hosts and provisions no host',
      fix: 'add MachineAPI to additionalEnabledCapabilities (or use mode: upi)',
    });
  }
  const poolPath = m.lab.libvirt.pool.path;
  if (!poolPath.startsWith('/')) {
    out.push({
      path: 'libvirt.pool.path',
      value: poolPath,
      message: 'not an absolute path',
      fix: 'write an absolute directory, e.g. /var/lib/libvirt/images/bmc-emu',
    });
  }
  return out;
}

/** Two-node topologies: fencing names two control-plane hosts; the lab's part of what the installer checks. */
function checkTwoNodeLab(m: LabModel, out: Violation[]): void {
  if (m.lab.arbiter.count > 0 && m.lab.controlPlane.count < 2) {
    // the installer says so at arbiter.replicas; the key to change is the control plane's
    out.push({
      path: 'controlPlane.count',
      value: m.lab.controlPlane.count,
      message: 'an arbiter cluster needs at least 2 control-plane hosts',
      fix: 'set controlPlane.count: 2 (two-node with arbiter), or arbiter.count: 0',
    });
  }
  if (!m.fencing) return;
  const masters = m.nodes.filter((n) => n.role === 'master').map((n) => n.name);
  if (m.lab.controlPlane.count !== 2) {
    out.push({
      path: 'controlPlane.fencing',
      value: `controlPlane.count: ${m.lab.controlPlane.count}`,
      message: 'two-node fencing is for a control plane of exactly 2 hosts',
      fix: 'set controlPlane.count: 2, or remove controlPlane.fencing',
    });
  }
  const seen = new Set<string>();
  m.fencing.hosts.forEach((h, i) => {
    const why = !masters.includes(h) ? 'not a control-plane host of this lab' : seen.has(h) ? 'listed twice' : '';
    seen.add(h);
    if (why) {
      out.push({
        path: `controlPlane.fencing.hosts.${i}`,
        value: h,
        message: why,
        fix: `list each of ${masters.join(', ') || '(no control-plane hosts)'} once`,
      });
    }
  });
}

/** The lab.yaml key that produces an install-config field (so render errors name what to edit). */
export function labKeyFor(installPath: string): string {
  const p = installPath.replace(/^platform\.baremetal\./, '');
  const direct: Record<string, string> = {
    provisioningNetworkCIDR: 'networks.provisioning.cidr',
    provisioningDHCPRange: 'networks.provisioning.dhcpRange',
    clusterProvisioningIP: 'networks.provisioning.clusterProvisioningIP',
    bootstrapProvisioningIP: 'networks.provisioning.bootstrapProvisioningIP',
    provisioningNetwork: 'networks.provisioning.mode',
    provisioningBridge: 'networks.provisioning.name',
    externalBridge: 'networks.baremetal.name',
    libvirtURI: 'libvirt.uris (or libvirt.hypervisors.0.uri)',
    bootstrapOSImage: 'images.bootstrapOSImage',
    clusterOSImage: 'images.clusterOSImage',
    'loadBalancer.type': 'networks.baremetal.loadBalancer',
    additionalNTPServers: 'networks.ntpServers',
    hosts: 'controlPlane.count',
    'metadata.name': 'name',
    baseDomain: 'baseDomain',
    pullSecret: 'pullSecretFile',
  };
  const key = p.replace(/\[\d+\]$/, '');
  if (direct[key]) return direct[key];
  if (/^(apiVIPs|ingressVIPs)/.test(p)) return `networks.baremetal.${p}`;
  if (/^hosts\[\d+\]\.bmc/.test(p)) return 'bmc.kind (or <role>.bmc / hosts.<name>.bmc)';
  if (/^hosts\[\d+\]\.bootMode/.test(p)) return '<role>.secureBoot / <role>.firmware';
  if (p.startsWith('networking.machineNetwork')) return 'networks.baremetal.ipv4.cidr / ipv6.cidr';
  if (p.startsWith('networking.clusterNetwork')) return 'cluster.clusterNetwork';
  if (p.startsWith('networking.serviceNetwork')) return 'cluster.serviceNetwork';
  if (p.startsWith('capabilities')) return 'cluster.capabilities';
  if (p.startsWith('controlPlane.fencing.credentials')) return 'controlPlane.fencing.hosts';
  // the gate errors: render sets TechPreviewNoUpgrade unless lab.yaml chose another featureSet
  if (p === 'controlPlane.fencing' || p === 'arbiter') return 'cluster.featureSet';
  if (p.startsWith('arbiter.')) return 'arbiter.count';
  if (p.startsWith('featureGates')) return `cluster.${p}`;
  if (p === 'featureSet') return 'cluster.featureSet';
  if (/^(controlPlane|arbiter)\b/.test(p)) return 'controlPlane.count';
  return installPath;
}
