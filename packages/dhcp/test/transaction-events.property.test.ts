import { EventBus, type RackEvent } from '@bmc-emu/core';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Transaction } from '../src/engine.js';
import { publishTransaction } from '../src/transaction-events.js';

const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const type = fc.constantFrom('DISCOVER', 'REQUEST', 'DECLINE', 'RELEASE', 'INFORM', 'BOOTP', 'type 99');
const outcome = fc.oneof(
  fc.tuple(fc.constantFrom('OFFER', 'ACK', 'NAK', 'proxy OFFER', 'proxy ACK'), ip).map(([w, a]) => `${w} ${a}`),
  fc.string().map((s) => `ignored: ${s}`),
  fc.string(),
);

it('publishes the request when it is a DHCP message and the answer only for OFFER/ACK/NAK, never throwing', () => {
  fc.assert(
    fc.property(type, outcome, fc.boolean(), ip, fc.option(fc.nat(20)), (t, o, replied, yiaddr, arch) => {
      const bus = new EventBus();
      const tx = {
        xid: 1,
        mac: '52:54:00:00:00:01',
        type: t,
        outcome: o,
        persist: false,
        ...(arch !== null ? { arch } : {}),
        ...(replied ? { reply: { packet: { yiaddr }, address: '255.255.255.255', port: 68 } } : {}),
      } as unknown as Transaction;
      publishTransaction(bus, tx, 'node-1');
      const events = bus.history() as Array<Extract<RackEvent, { kind: 'dhcp' }>>;
      const isRequest = !['BOOTP', 'type 99'].includes(t);
      const word = o.replace(/^proxy /, '').split(' ', 1)[0]!;
      const answered = replied && ['OFFER', 'ACK', 'NAK'].includes(word);
      expect(events).toHaveLength((isRequest ? 1 : 0) + (answered ? 1 : 0));
      for (const e of events) expect(e).toMatchObject({ kind: 'dhcp', mac: tx.mac, node: 'node-1' });
      if (isRequest) expect(events[0]!.message).toBe(t);
      if (answered) {
        const a = events.at(-1)!;
        expect(a.message).toBe(word);
        expect(a.ip).toBe(yiaddr === '0.0.0.0' ? undefined : yiaddr);
      }
    }),
  );
});
