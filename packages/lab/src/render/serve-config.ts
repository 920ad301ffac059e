import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { formatIp, nthHost } from '../ip.js';
import type { LabModel } from '../model.js';
import { provisioningHostIp } from './network-xml.js';

/**
 * `boot-serve.yaml`: a `bmc-emu serve -c` config that PXE-boots the lab's provisioning network (upi mode, or
 * `networks.provisioning.serve`): DHCP on the provisioning bridge with a reservation per node MAC, TFTP for
 * the iPXE binaries, and boot HTTP with one profile per role (kernel, initrd, rootfs, `coreos.inst.*`,
 * the role's ignition from `<stateDir>/ignition/<role>.ign`). It serves no BMC (the lab's BMCs are the
 * main `serve`), so it runs beside it on the provisioning address.
 */
export function renderServeConfig(m: LabModel): Record<string, unknown> | undefined {
  const p = m.provisioning;
  if (!p.served || p.mode === 'Disabled') return undefined;
  const img = m.lab.images;
  const profile = {
    ...(img.kernel ? { kernel: img.kernel } : {}),
    ...(img.initrd ? { initrd: [img.initrd] } : {}),
    ...(img.rootfs ? { rootfs: img.rootfs } : {}),
    installDev: '/dev/vda',
    ignition: 'install',
    args: ['console=ttyS0'],
  };
  const roles = [...new Set(m.nodes.map((n) => n.role))];
  const prNic = (n: LabModel['nodes'][number]) => n.nics.find((x) => x.network === p.name)!.mac;
  // off loopback serve refuses the default password; this instance serves no BMC, so a derived one is fine
  const password =
    m.lab.bmc.password === 'password'
      ? `lab-${createHash('sha256').update(m.lab.name).digest('hex').slice(0, 12)}`
      : m.lab.bmc.password;
  return {
    bind: provisioningHostIp(m),
    password,
    stateDir: join(m.lab.stateDir, 'boot-serve'),
    driver: { kind: 'libvirt', libvirtUris: m.hypervisors.map((h) => h.uri) },
    redfish: { enabled: false },
    ipmi: { enabled: false },
    dhcp: {
      enabled: true,
      interface: p.name,
      subnet: p.network,
      rangeStart: p.dhcpRange[0],
      rangeEnd: p.dhcpRange[1],
      reservations: m.nodes.map((n) => ({
        mac: prNic(n),
        ip: formatIp(nthHost(p.cidr, 20 + n.ordinal)),
        hostname: n.name,
      })),
    },
    tftp: { enabled: true },
    http: {
      enabled: true,
      root: join(m.lab.stateDir, 'www'),
      ignitionDir: join(m.lab.stateDir, 'ignition'),
      roles: Object.fromEntries(roles.map((r) => [r, { ...profile, role: r }])),
      nodes: Object.fromEntries(m.nodes.map((n) => [prNic(n), { role: n.role }])),
    },
  };
}
