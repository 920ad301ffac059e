import { CC } from '../completion-codes.js';
import { PRIV } from '../privilege.js';
import { type CommandSpec, fail, NETFN, ok } from './context.js';

const DCMI = 0xdc;

/** DCMI Get DCMI Capabilities Info (DCMI 1.5 6.1.1); the other group extensions (HPM.2 included) get C1. */
function dcmiCapabilities(data: Buffer) {
  if (data.length < 2) return fail(CC.requestLength);
  const head = [DCMI, 0x01, 0x05, 0x02];
  switch (data[1]) {
    case 1:
      return ok([...head, 0x00, 0x01, 0x08]); // identification support; primary LAN OOB
    case 2:
      return ok([...head, 0xe8, 0x83, 0x00, 0x00, 0x00]); // SEL: 1,000 entries, automatic rollover (oldest out)
    case 3:
      return ok([...head, 0x20, 0x00]); // BMC at 0x20, channel 0
    case 4:
      return ok([...head, 0x01, 0xff, 0xff]);
    case 5:
      return ok([...head, 0x00]); // enhanced power statistics: no rolling average periods (mode 1 only)
    default:
      return fail(CC.invalidData);
  }
}

export const groupExtensionCommands: CommandSpec[] = [
  {
    netFn: NETFN.groupExt,
    cmd: 0x01,
    privilege: PRIV.user,
    handler: (_ctx, r) => (r.data[0] === DCMI ? dcmiCapabilities(r.data) : fail(CC.invalidCommand)),
  },
];
