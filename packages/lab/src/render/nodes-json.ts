import type { LabModel, LabNode } from '../model.js';

/** How Ironic reaches one node's BMC, with the driver_info keys Ironic's drivers read. */
function driverInfo(node: LabNode, verifyCa: string | undefined): Record<string, unknown> {
  if (node.bmc.kind === 'ipmi') {
    const u = new URL(node.bmc.address.replace(/^ipmi:/, 'http:'));
    return {
      ipmi_address: u.hostname.replace(/^\[|\]$/g, ''),
      ipmi_port: Number(u.port),
      ipmi_username: node.bmc.username,
      ipmi_password: node.bmc.password,
    };
  }
  const u = new URL(node.bmc.address.replace(/^[a-z-]+\+/, ''));
  return {
    redfish_address: `${u.protocol}//${u.host}`,
    redfish_system_id: u.pathname,
    redfish_username: node.bmc.username,
    redfish_password: node.bmc.password,
    redfish_verify_ca: verifyCa ?? false,
  };
}

/** nodes.json in the Ironic / dev-scripts format (`baremetal create nodes.json` reads it). */
export function renderNodesJson(m: LabModel, caPath?: string): { nodes: Record<string, unknown>[] } {
  return {
    nodes: m.nodes
      .filter((n) => n.role !== 'bootstrap')
      .map((n) => ({
        uuid: n.uuid,
        name: n.domain,
        driver: n.bmc.kind === 'ipmi' ? 'ipmi' : 'redfish',
        ...(n.bmc.kind === 'redfish-virtualmedia' ? { boot_interface: 'redfish-virtual-media' } : {}),
        driver_info: driverInfo(n, caPath),
        resource_class: 'baremetal',
        properties: {
          cpu_arch: 'x86_64',
          cpus: n.spec.vcpus,
          memory_mb: n.spec.memoryMiB,
          local_gb: n.spec.disksGiB[0],
          capabilities: n.spec.firmware === 'bios' ? 'boot_mode:bios' : 'boot_mode:uefi',
        },
        ports: n.nics.map((nic) => ({ address: nic.mac, pxe_enabled: nic.mac === n.bootMac })),
      })),
  };
}
