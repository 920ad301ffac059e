import type { EventBus, RackEventInput } from '@bmc-emu/core';
import type { Transaction } from './engine.js';

type DhcpMessage = Extract<RackEventInput, { kind: 'dhcp' }>['message'];
const MESSAGES = new Set<string>(['DISCOVER', 'OFFER', 'REQUEST', 'ACK', 'NAK', 'DECLINE', 'RELEASE', 'INFORM']);

/** The answer a transaction's outcome names ("OFFER 10.0.0.5 ...", "proxy ACK ..."), if it is one. */
function replyMessage(outcome: string): DhcpMessage | undefined {
  const word = outcome.replace(/^proxy /, '').split(' ', 1)[0]!;
  return word === 'OFFER' || word === 'ACK' || word === 'NAK' ? word : undefined;
}

/** One `dhcp` event for the request and one for our answer (with the address handed out), named by node. */
export function publishTransaction(bus: EventBus, tx: Transaction, node: string | undefined): void {
  const common = {
    kind: 'dhcp' as const,
    mac: tx.mac,
    ...(node !== undefined ? { node } : {}),
    ...(tx.arch !== undefined ? { arch: tx.arch } : {}),
    ...(tx.subnet !== undefined ? { subnet: tx.subnet } : {}),
  };
  if (MESSAGES.has(tx.type)) bus.publish({ ...common, message: tx.type as DhcpMessage });
  const answer = tx.reply && replyMessage(tx.outcome);
  if (!answer) return;
  const ip = tx.reply!.packet.yiaddr;
  bus.publish({ ...common, message: answer, ...(ip && ip !== '0.0.0.0' ? { ip } : {}) });
}
