/** A node as the console shows it: the driver's node plus its leased IPs and BMC endpoints. */
import type { Node } from '@bmc-emu/core';
import type { LeaseBook } from './leases.js';

export interface BmcEndpoints {
  /** e.g. ipmi://127.0.0.1:6230 */
  ipmi?: string;
  /** e.g. redfish+https://127.0.0.1:8000/redfish/v1/Systems/<uuid> */
  redfish?: string;
}

export type NodeView = Omit<Node, 'nics'> & {
  nics: Array<Node['nics'][number] & { ip?: string }>;
  endpoints: BmcEndpoints;
};

export type EndpointsOf = (node: Node, index: number) => BmcEndpoints;

export function nodeView(node: Node, index: number, leases: LeaseBook, endpoints: EndpointsOf): NodeView {
  return {
    ...node,
    media: node.media.map(({ path: _path, ...m }) => m),
    nics: node.nics.map((n) => {
      const ip = leases.ipOf(n.mac);
      return ip ? { ...n, ip } : n;
    }),
    endpoints: endpoints(node, index),
  };
}
