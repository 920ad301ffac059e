import { parseMac } from '@bmc-emu/core';
import { ip, type MessageType, Opt, text, u8, u16List, userClass } from './codec/options.js';
import { BOOTREQUEST, type DhcpOption, type DhcpPacket, FLAG_BROADCAST } from './codec/packet.js';

export interface ClientPacketInit {
  type: (typeof MessageType)[keyof typeof MessageType];
  mac: string;
  xid: number;
  ciaddr?: string;
  giaddr?: string;
  broadcast?: boolean;
  requestedIp?: string;
  serverId?: string;
  /** Option 93. */
  arch?: number;
  /** Option 60, e.g. "PXEClient:Arch:00007:UNDI:003016". */
  vendorClass?: string;
  /** Option 77 as a bare string, the way iPXE sends "iPXE". */
  userClassRaw?: string;
  /** Option 77 in RFC 3004 form. */
  userClasses?: string[];
  /** Option 175 present (iPXE feature list). */
  ipxe?: boolean;
  extraOptions?: DhcpOption[];
}

/** A client message, for tests, load generators and tools (the server never sends these). */
export function clientPacket(init: ClientPacketInit): DhcpPacket {
  const options: DhcpOption[] = [{ code: Opt.MessageType, data: u8.encode(init.type) }];
  if (init.requestedIp) options.push({ code: Opt.RequestedIp, data: ip.encode(init.requestedIp) });
  if (init.serverId) options.push({ code: Opt.ServerId, data: ip.encode(init.serverId) });
  if (init.arch !== undefined) options.push({ code: Opt.ClientArch, data: u16List.encode([init.arch]) });
  if (init.vendorClass) options.push({ code: Opt.VendorClass, data: text.encode(init.vendorClass) });
  if (init.userClassRaw) options.push({ code: Opt.UserClass, data: text.encode(init.userClassRaw) });
  if (init.userClasses) options.push({ code: Opt.UserClass, data: userClass.encode(init.userClasses) });
  if (init.ipxe) options.push({ code: Opt.Ipxe, data: Uint8Array.of(19, 1, 1, 17, 1, 1) });
  options.push({ code: Opt.ParameterList, data: Uint8Array.of(1, 3, 6, 12, 15, 28, 43, 60, 66, 67, 119, 121, 175) });
  options.push(...(init.extraOptions ?? []));
  return {
    op: BOOTREQUEST,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: init.xid >>> 0,
    secs: 0,
    flags: init.broadcast ? FLAG_BROADCAST : 0,
    ciaddr: init.ciaddr ?? '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: init.giaddr ?? '0.0.0.0',
    chaddr: parseMac(init.mac),
    sname: '',
    file: '',
    options,
  };
}
