import { join } from 'node:path';
import { PortMap } from '@bmc-emu/ipmi';
import type { LabModel } from '../model.js';

/**
 * Write the lab's IPMI ports (bmc.ipmiBasePort + node ordinal) into a `bmc-emu serve` state dir's
 * ipmi-ports.json, so a serve started afterwards with `--bind <bmc.host> --ipmi-base-port <ipmiBasePort>`
 * listens where install-config's `ipmi://` addresses point. Entries of other nodes stay.
 */
export async function seedIpmiPorts(m: LabModel, serveStateDir: string): Promise<string> {
  const file = join(serveStateDir, 'ipmi-ports.json');
  const map = new PortMap(file, `${m.bmcHost}:${m.lab.bmc.ipmiBasePort}`);
  await map.load();
  for (const n of m.nodes) map.set(n.uuid, { address: m.bmcHost, port: m.lab.bmc.ipmiBasePort + n.ordinal });
  await map.flush();
  return file;
}
