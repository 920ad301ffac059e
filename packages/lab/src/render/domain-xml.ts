import { join } from 'node:path';
import type { LabModel, LabNode } from '../model.js';
import { labTagXml } from './tag.js';
import { esc } from './xml-escape.js';

/** The fw_cfg key Ignition reads its config from on QEMU. */
export const IGNITION_FW_CFG = 'opt/com.coreos/config';

export function volumeName(node: LabNode, disk: number): string {
  return `${node.domain}-disk${disk}.qcow2`;
}

export function serialLogPath(m: LabModel, node: LabNode): string {
  return join(m.lab.stateDir, 'logs', `${node.domain}-serial.log`);
}

/** The ignition file a upi node's role boots with (bootstrap through fw_cfg, the others over HTTP). */
export function ignitionPath(m: LabModel, role: string): string {
  return join(m.lab.stateDir, 'ignition', `${role}.ign`);
}

function osXml(m: LabModel, node: LabNode): string[] {
  const type = `    <type arch="x86_64" machine="q35">hvm</type>`;
  // upi nodes PXE-boot into their role's script; ipi nodes wait for Ironic to choose
  const boots = m.lab.mode === 'upi' ? ['network', 'hd'] : ['hd', 'network'];
  const bootLines = boots.map((d) => `    <boot dev="${d}"/>`);
  if (node.spec.firmware === 'bios') {
    return [`  <os>`, type, ...bootLines, `    <bios useserial="yes"/>`, `  </os>`];
  }
  const sb = node.spec.secureBoot ? 'yes' : 'no';
  return [
    `  <os firmware="efi">`,
    type,
    `    <firmware>`,
    `      <feature enabled="${sb}" name="enrolled-keys"/>`,
    `      <feature enabled="${sb}" name="secure-boot"/>`,
    `    </firmware>`,
    ...bootLines,
    `  </os>`,
  ];
}

/**
 * One node's domain: deterministic UUID and MACs, thin qcow2 disks from the lab's pool, an empty cdrom
 * for virtual media, NICs in the installer's order, the serial console logged to a file, tagged with the
 * lab. UEFI uses libvirt's firmware auto-selection, which gives every domain its own NVRAM file.
 */
export function domainXml(m: LabModel, node: LabNode): string {
  const disks = node.spec.disksGiB.map((_, i) =>
    [
      `    <disk type="volume" device="disk">`,
      `      <driver name="qemu" type="qcow2" discard="unmap"/>`,
      `      <source pool="${esc(m.poolName)}" volume="${esc(volumeName(node, i))}"/>`,
      `      <target dev="vd${String.fromCharCode(97 + i)}" bus="virtio"/>`,
      `    </disk>`,
    ].join('\n'),
  );
  const nics = node.nics.map((n) =>
    [
      `    <interface type="network">`,
      `      <mac address="${n.mac}"/>`,
      `      <source network="${esc(n.network)}"/>`,
      `      <model type="virtio"/>`,
      `    </interface>`,
    ].join('\n'),
  );
  const features = node.spec.secureBoot ? [`    <acpi/>`, `    <smm state="on"/>`] : [`    <acpi/>`];
  const fwcfg =
    m.lab.mode === 'upi' && node.role === 'bootstrap'
      ? [
          `  <sysinfo type="fwcfg">`,
          `    <entry name="${IGNITION_FW_CFG}" file="${esc(ignitionPath(m, 'bootstrap'))}"/>`,
          `  </sysinfo>`,
        ]
      : [];
  return [
    `<domain type="${m.lab.libvirt.domainType}">`,
    `  <name>${esc(node.domain)}</name>`,
    `  <uuid>${node.uuid}</uuid>`,
    `  <title>${esc(`${m.lab.name} ${node.name}`)}</title>`,
    labTagXml({ lab: m.lab.name, role: node.role, host: node.name }, '  '),
    `  <memory unit="MiB">${node.spec.memoryMiB}</memory>`,
    `  <vcpu>${node.spec.vcpus}</vcpu>`,
    ...fwcfg,
    ...osXml(m, node),
    `  <features>`,
    ...features,
    `  </features>`,
    ...(m.lab.libvirt.domainType === 'kvm' ? [`  <cpu mode="host-passthrough"/>`] : []),
    `  <on_reboot>restart</on_reboot>`,
    `  <devices>`,
    ...disks,
    `    <disk type="file" device="cdrom">`,
    `      <driver name="qemu" type="raw"/>`,
    `      <target dev="sda" bus="sata"/>`,
    `      <readonly/>`,
    `    </disk>`,
    ...nics,
    `    <serial type="pty">`,
    `      <log file="${esc(serialLogPath(m, node))}" append="on"/>`,
    `    </serial>`,
    `    <console type="pty"/>`,
    `  </devices>`,
    `</domain>`,
    '',
  ].join('\n');
}
