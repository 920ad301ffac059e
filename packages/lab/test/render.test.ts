import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '@bmc-emu/core';
import { configSchema } from '../../../src/config-schema.js';
import { labMac, labUuid, readLabTag, renderNodesJson } from '../src/index.js';
import { model, render } from './helpers.js';

const small = { controlPlane: { memoryMiB: 256, disksGiB: [1] } };

describe('identity', () => {
  it('MACs are locally administered unicast, stable and distinct', () => {
    const a = model({ ...small, workers: { count: 2 }, extra: { count: 1 } });
    const macs = a.nodes.flatMap((n) => n.nics.map((x) => x.mac));
    expect(new Set(macs).size).toBe(macs.length);
    for (const mac of macs) {
      const first = parseInt(mac.slice(0, 2), 16);
      expect(first & 0x02).toBe(0x02);
      expect(first & 0x01).toBe(0);
    }
    expect(model({ ...small, workers: { count: 2 }, extra: { count: 1 } }).nodes.map((n) => n.bootMac)).toEqual(
      a.nodes.map((n) => n.bootMac),
    );
    expect(model({ name: 'other' }).nodes[0]!.bootMac).not.toBe(a.nodes[0]!.bootMac);
    expect(labMac('x')).toBe(labMac('x'));
  });

  it('UUIDs are RFC 4122 version 5 and depend on cluster, role and index', () => {
    const u = labUuid('lab/master/0');
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(labUuid('lab/master/1')).not.toBe(u);
    expect(model().nodes[0]!.uuid).toBe(u);
  });
});

describe('BMC addresses per kind', () => {
  it('has the exact URL form metal3 expects', () => {
    const m = model({
      bmc: { host: '192.168.111.1' },
      workers: { count: 2, bmc: { kind: 'redfish' } },
      hosts: { 'worker-1': { bmc: { kind: 'ipmi' } } },
    });
    const byName = Object.fromEntries(m.nodes.map((n) => [n.name, n.bmc.address]));
    expect(byName['master-0']).toBe(
      `redfish-virtualmedia+https://192.168.111.1:8000/redfish/v1/Systems/${m.nodes[0]!.uuid}`,
    );
    expect(byName['worker-0']).toBe(`redfish+https://192.168.111.1:8000/redfish/v1/Systems/${m.nodes[3]!.uuid}`);
    expect(byName['worker-1']).toBe('ipmi://192.168.111.1:6234');
  });

  it('brackets IPv6 hosts and follows tls: false', () => {
    const m = model({ bmc: { host: 'fd00::1', tls: false, kind: 'ipmi' } });
    expect(m.nodes[1]!.bmc.address).toBe('ipmi://[fd00::1]:6231');
    const r = model({ bmc: { host: 'fd00::1', tls: false } });
    expect(r.nodes[0]!.bmc.address).toMatch(/^redfish-virtualmedia\+http:\/\/\[fd00::1\]:8000\/redfish\/v1\/Systems\//);
  });
});

describe('domain XML', () => {
  it('orders NICs provisioning first, tags the lab, logs the serial console, UEFI by default', () => {
    const { m, r } = render(small);
    const xml = r.files['libvirt/domains/lab-master-0.xml']!;
    const nets = [...xml.matchAll(/<source network="([^"]+)"/g)].map((x) => x[1]);
    expect(nets).toEqual([m.provisioning.name, m.baremetal.name]);
    expect(xml).toContain(`<mac address="${m.nodes[0]!.bootMac}"/>`);
    expect(xml).toContain(`<uuid>${m.nodes[0]!.uuid}</uuid>`);
    expect(xml).toContain('<os firmware="efi">');
    expect(xml).toMatch(/<log file="[^"]*lab-master-0-serial\.log" append="on"\/>/);
    expect(xml).toContain('<memory unit="MiB">256</memory>');
    expect(xml).toContain('volume="lab-master-0-disk0.qcow2"');
    expect(readLabTag(xml)).toEqual({
      lab: 'lab',
      role: 'master',
      host: 'master-0',
      hash: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(xml).not.toContain('opt/com.coreos/config');
  });

  it('BIOS firmware has no efi loader; secure boot enables SMM and the secure-boot feature', () => {
    const bios = render({ controlPlane: { firmware: 'bios' } }).r.files['libvirt/domains/lab-master-0.xml']!;
    expect(bios).not.toContain('firmware="efi"');
    expect(bios).toContain('<bios useserial="yes"/>');
    const sb = render({ controlPlane: { secureBoot: true } }).r.files['libvirt/domains/lab-master-0.xml']!;
    expect(sb).toContain('<feature enabled="yes" name="secure-boot"/>');
    expect(sb).toContain('<smm state="on"/>');
  });

  it('provisioning Disabled leaves one NIC on the baremetal network, and no provisioning network', () => {
    const { m, r } = render({ networks: { provisioning: { mode: 'Disabled' } } });
    const xml = r.files['libvirt/domains/lab-master-0.xml']!;
    expect([...xml.matchAll(/<interface /g)]).toHaveLength(1);
    expect(m.nodes[0]!.bootMac).toBe(m.nodes[0]!.baremetalMac);
    expect(Object.keys(r.files).filter((f) => f.startsWith('libvirt/networks/'))).toEqual([
      `libvirt/networks/${m.baremetal.name}.xml`,
    ]);
  });

  it('upi: a bootstrap VM gets its ignition through fw_cfg and every node PXE-boots first', () => {
    const { m, r } = render({ mode: 'upi', networks: { provisioning: { mode: 'Unmanaged' } } });
    expect(m.nodes[0]!.role).toBe('bootstrap');
    const boot = r.files['libvirt/domains/lab-bootstrap-0.xml']!;
    expect(boot).toMatch(
      /<sysinfo type="fwcfg">\s*<entry name="opt\/com\.coreos\/config" file="[^"]+bootstrap\.ign"\/>/,
    );
    expect(boot.indexOf('<boot dev="network"/>')).toBeLessThan(boot.indexOf('<boot dev="hd"/>'));
    expect(r.files['libvirt/domains/lab-master-0.xml']).not.toContain('fwcfg');
    expect((r.installConfig.platform as Record<string, unknown>).none).toEqual({});
  });
});

describe('network XML', () => {
  it('baremetal: bridge = network name, DNS for api/api-int/*.apps/nodes, DHCP reservations per MAC', () => {
    const { m, r } = render({ ...small, workers: { count: 1 } });
    const xml = r.files[`libvirt/networks/${m.baremetal.name}.xml`]!;
    expect(xml).toContain(`<name>labbm</name>`);
    expect(xml).toContain(`<bridge name="labbm"`);
    expect(xml).toMatch(
      /<host ip="192\.168\.111\.5">\s*<hostname>api\.lab\.example\.com<\/hostname>\s*<hostname>api-int\.lab\.example\.com<\/hostname>/,
    );
    expect(xml).toContain('<dnsmasq:option value="address=/apps.lab.example.com/192.168.111.4"/>');
    for (const n of m.nodes) {
      expect(xml).toContain(`<host mac="${n.baremetalMac}" name="${n.name}" ip="${n.ips[0]}"/>`);
      expect(xml).toContain(`<hostname>${n.name}.lab.example.com</hostname>`);
    }
    expect(xml).toContain('<forward mode="nat"/>');
    expect(readLabTag(xml)?.lab).toBe('lab');
  });

  it('provisioning is isolated and has no libvirt DHCP (Ironic owns it)', () => {
    const { m, r } = render();
    const xml = r.files[`libvirt/networks/${m.provisioning.name}.xml`]!;
    expect(xml).not.toContain('<forward');
    expect(xml).not.toContain('<dhcp>');
    expect(xml).toContain('<ip address="172.22.0.1" prefix="24"/>');
  });

  it('isolated baremetal has no forward; dual stack has an ipv6 <ip>', () => {
    const { r, m } = render({
      networks: { baremetal: { forward: 'isolated', ipv6: { cidr: 'fd2e:6f44:5dd8:c956::/120' } } },
    });
    const xml = r.files[`libvirt/networks/${m.baremetal.name}.xml`]!;
    expect(xml).not.toContain('<forward');
    expect(xml).toMatch(/<ip family="ipv6" address="fd2e:6f44:5dd8:c956::1" prefix="120">/);
  });
});

describe('nodes.json and manifests', () => {
  it('nodes.json carries driver, driver_info, ports and properties per node', () => {
    const m = model({ ...small, workers: { count: 1, bmc: { kind: 'ipmi' } } });
    const { nodes } = renderNodesJson(m);
    expect(nodes).toHaveLength(4);
    expect(nodes[0]).toMatchObject({
      name: 'lab-master-0',
      driver: 'redfish',
      boot_interface: 'redfish-virtual-media',
      driver_info: {
        redfish_address: `https://${m.bmcHost}:8000`,
        redfish_system_id: `/redfish/v1/Systems/${m.nodes[0]!.uuid}`,
        redfish_username: 'admin',
        redfish_verify_ca: false,
      },
      properties: { cpu_arch: 'x86_64', memory_mb: 256, local_gb: 1 },
    });
    expect(nodes[3]).toMatchObject({
      driver: 'ipmi',
      driver_info: { ipmi_address: m.bmcHost, ipmi_port: 6233, ipmi_username: 'admin', ipmi_password: 'password' },
    });
    expect(nodes[0]!.ports).toEqual([
      { address: m.nodes[0]!.bootMac, pxe_enabled: true },
      { address: m.nodes[0]!.baremetalMac, pxe_enabled: false },
    ]);
  });

  it('extra hosts become a Secret + BareMetalHost each, and stay out of install-config', () => {
    const { m, r } = render({ extra: { count: 2 } });
    const docs = r.files['manifests/extra-1.yaml']!.split(/^---$/m).map((d) => parse(d) as Record<string, unknown>);
    expect(docs[0]).toMatchObject({
      kind: 'Secret',
      metadata: { name: 'extra-1-bmc-secret', namespace: 'openshift-machine-api' },
      stringData: { username: 'admin', password: 'password' },
    });
    expect(docs[1]).toMatchObject({
      apiVersion: 'metal3.io/v1alpha1',
      kind: 'BareMetalHost',
      metadata: { name: 'extra-1' },
      spec: {
        bootMACAddress: m.nodes[4]!.bootMac,
        bmc: { address: m.nodes[4]!.bmc.address, credentialsName: 'extra-1-bmc-secret' },
      },
    });
    const hosts = (
      (r.installConfig.platform as { baremetal: { hosts: unknown } }).baremetal.hosts as { name: string }[]
    ).map((h) => h.name);
    expect(hosts).toEqual(['master-0', 'master-1', 'master-2']);
  });
});

describe('boot-serve.yaml (upi)', () => {
  it('is a valid bmc-emu serve config: DHCP per provisioning MAC, TFTP, a boot profile per role', () => {
    const { m, r } = render({
      mode: 'upi',
      workers: { count: 1 },
      networks: { provisioning: { mode: 'Unmanaged' } },
      images: { kernel: 'http://mirror/k', initrd: 'http://mirror/i', rootfs: 'http://mirror/r' },
    });
    const cfg = validateConfig(configSchema, parse(r.files['boot-serve.yaml']!), 'boot-serve.yaml');
    expect(cfg.bind).toBe('172.22.0.1');
    expect(cfg.redfish.enabled).toBe(false);
    expect(cfg.ipmi.enabled).toBe(false);
    expect(cfg.dhcp).toMatchObject({ enabled: true, interface: m.provisioning.name, subnet: '172.22.0.0/24' });
    expect(cfg.dhcp.reservations.map((x) => x.mac)).toEqual(m.nodes.map((n) => n.bootMac));
    expect(cfg.tftp.enabled).toBe(true);
    expect(Object.keys(cfg.http.roles).sort()).toEqual(['bootstrap', 'master', 'worker']);
    expect(cfg.http.roles.master).toMatchObject({
      kernel: 'http://mirror/k',
      initrd: ['http://mirror/i'],
      rootfs: 'http://mirror/r',
      installDev: '/dev/vda',
      ignition: 'install',
    });
    expect(cfg.http.nodes[m.nodes[0]!.bootMac]).toEqual({ role: 'bootstrap' });
  });

  it('is not written in ipi mode with a Managed provisioning network', () => {
    expect(render().r.files['boot-serve.yaml']).toBeUndefined();
  });
});
