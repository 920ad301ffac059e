/**
 * iPXE scripts as text. Every network fetch sits in a retry loop (as Ironic's scripts do), because a
 * node that fails one download should try again instead of falling through to the next boot device.
 */

export interface NodeBootScript {
  /** Shown on the console and used in the echo marker. */
  label: string;
  kernelUrl: string;
  initrdUrls: string[];
  /** Kernel command line without initrd=. */
  args: string[];
}

const RETRY_DELAY_S = 3;

/** The script an unknown iPXE client gets from /boot.ipxe: chain to its per-MAC script. */
export function chainByMacScript(baseUrl: string): string {
  return [
    '#!ipxe',
    ':retry',
    `chain --replace --autofree ${baseUrl}/boot/\${mac:hexhyp}.ipxe?uuid=\${uuid} || goto wait`,
    ':wait',
    `echo bmc-emu: fetching the script for \${mac} failed, retrying in ${RETRY_DELAY_S} s`,
    `sleep ${RETRY_DELAY_S}`,
    'goto retry',
    '',
  ].join('\n');
}

/** Boot a kernel + initrds; initrds are named so `initrd=<name>` works under UEFI as well as BIOS. */
export function nodeBootScript(s: NodeBootScript): string {
  const names = s.initrdUrls.map((_, i) => (i === 0 ? 'main' : `initrd${i}`));
  const cmdline = [...names.map((n) => `initrd=${n}`), ...s.args].join(' ');
  return [
    '#!ipxe',
    `echo bmc-emu: booting ${s.label} (\${mac}, \${platform})`,
    ':retry',
    'imgfree',
    `kernel --name kernel ${s.kernelUrl}${cmdline ? ` ${cmdline}` : ''} || goto wait`,
    ...s.initrdUrls.map((u, i) => `initrd --name ${names[i]} ${u} || goto wait`),
    'boot || goto wait',
    ':wait',
    `echo bmc-emu: boot of ${s.label} failed, retrying in ${RETRY_DELAY_S} s`,
    `sleep ${RETRY_DELAY_S}`,
    'goto retry',
    '',
  ].join('\n');
}

/** For a MAC with no boot settings: leave iPXE so the firmware tries the next boot device (as Ironic does). */
export function noBootScript(reason: string): string {
  return ['#!ipxe', `echo bmc-emu: ${sanitizeEcho(reason)}; exiting to the next boot device`, 'exit', ''].join('\n');
}

/** Keep a value from breaking out of an iPXE line (newlines, ${} expansion, comment or goto syntax). */
export function sanitizeEcho(s: string): string {
  return s.replace(/[\r\n$|&#]/g, '_');
}
