import type { Node, NodeDriver } from '@bmc-emu/core';
import { normalizeMac } from '@bmc-emu/core';

/** Find the driver's node that owns a MAC, or whose UUID/name is given. Driver errors count as "unknown". */
export async function findNode(
  driver: NodeDriver,
  q: { mac?: string; uuid?: string; name?: string },
): Promise<Node | undefined> {
  let nodes: Node[];
  try {
    nodes = await driver.list();
  } catch {
    return undefined;
  }
  if (q.mac) {
    const mac = normalizeMac(q.mac);
    const hit = nodes.find((n) => n.nics.some((nic) => nic.mac.toLowerCase() === mac));
    if (hit) return hit;
  }
  if (q.uuid) {
    const uuid = q.uuid.toLowerCase();
    const hit = nodes.find((n) => n.id.toLowerCase() === uuid);
    if (hit) return hit;
  }
  if (q.name) return nodes.find((n) => n.name === q.name);
  return undefined;
}
