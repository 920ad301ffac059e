import { type BootDecision, formatMac, type PxeClientInfo } from '@bmc-emu/core';
import { DhcpDecodeError } from './codec/errors.js';
import { findOption, Opt, text, u16List, userClass } from './codec/options.js';
import type { DhcpPacket } from './codec/packet.js';

export interface PxeRequestInfo extends PxeClientInfo {
  /** The client asked for network boot (vendor class PXEClient/HTTPClient, option 93 or iPXE). */
  wantsBoot: boolean;
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DhcpDecodeError) return undefined;
    throw err;
  }
}

/** What a request says about its boot firmware (options 60, 77, 93, 175). */
export function pxeInfo(p: DhcpPacket): PxeRequestInfo {
  const mac = formatMac(p.chaddr);
  const vc = findOption(p, Opt.VendorClass);
  const vendorClass = vc ? text.decode(vc) : undefined;
  const uc = findOption(p, Opt.UserClass);
  const classes = uc ? safe(() => userClass.decode(uc)) : undefined;
  const archData = findOption(p, Opt.ClientArch);
  const arch = archData ? safe(() => u16List.decode(archData))?.[0] : undefined;
  const isIpxe = findOption(p, Opt.Ipxe) !== undefined || (classes?.includes('iPXE') ?? false);
  const wantsBoot =
    isIpxe ||
    arch !== undefined ||
    (vendorClass?.startsWith('PXEClient') ?? false) ||
    (vendorClass?.startsWith('HTTPClient') ?? false);
  return {
    mac,
    ...(arch !== undefined ? { arch } : {}),
    ...(vendorClass !== undefined ? { vendorClass } : {}),
    ...(classes ? { userClass: classes } : {}),
    isIpxe,
    wantsBoot,
  };
}

export function describeDecision(d: BootDecision): string {
  if (d.kind === 'none') return 'no boot file';
  return d.kind === 'tftp' ? `tftp ${d.file}` : `http ${d.url}`;
}
