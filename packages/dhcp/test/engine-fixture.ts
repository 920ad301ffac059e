/** A server-mode engine on 172.30.0.0/24 with the boot policy, and one client message through it, for tests. */
import { BootPolicy } from '@bmc-emu/core';
import {
  type ClientPacketInit,
  clientPacket,
  DhcpEngine,
  type DhcpEngineOptions,
  decodePacket,
  encodePacket,
  LeaseStore,
} from './internals.js';

export const SERVER = '172.30.0.1';
export const MAC = '52:54:00:aa:bb:01';

export function engine(extra: Partial<DhcpEngineOptions> = {}, store = new LeaseStore()): DhcpEngine {
  return new DhcpEngine(
    {
      mode: 'server',
      serverAddress: SERVER,
      subnet: '172.30.0.0/24',
      rangeStart: '172.30.0.100',
      rangeEnd: '172.30.0.110',
      router: SERVER,
      leaseTimeSec: 3600,
      bootPolicy: new BootPolicy({ httpBaseUrl: 'http://172.30.0.1:8080' }),
      ...extra,
    },
    store,
  );
}

/** The request goes through the codec both ways, as on the wire; `MAC` unless `init.mac` says otherwise. */
export function send(e: DhcpEngine, init: Partial<ClientPacketInit> & Pick<ClientPacketInit, 'type'>) {
  const tx = e.handle(decodePacket(encodePacket(clientPacket({ mac: MAC, xid: 7, ...init }))), 1_000_000);
  return { tx, reply: tx.reply ? decodePacket(encodePacket(tx.reply.packet)) : undefined };
}
