import { ipv4ToInt } from '@bmc-emu/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engine as baseEngine } from './engine-fixture.js';
import {
  type ClientPacketInit,
  clientPacket,
  type DhcpOption,
  DhcpEngine,
  type DhcpEngineOptions,
  type DhcpPacket,
  decodePacket,
  encodePacket,
  findOption,
  ip,
  LeaseStore,
  MessageType,
  Opt,
  Subnet,
  selectSubnet,
  subOptions,
  text,
  u32,
} from './internals.js';

const SERVER = '172.30.0.1';
const MAC = '52:54:00:aa:cc:01';
const RELAY_B = '172.31.0.1';

/** Subnet A is the interface's (flat keys), B and C are behind relays. */
function engine(extra: Partial<DhcpEngineOptions> = {}) {
  const store = new LeaseStore();
  const e = baseEngine(
    {
      dns: [SERVER],
      reservations: [{ mac: '52:54:00:aa:cc:99', ip: '172.30.0.50', hostname: 'a-host' }],
      subnets: [
        {
          subnet: '172.31.0.0/24',
          rangeStart: '172.31.0.100',
          rangeEnd: '172.31.0.110',
          router: RELAY_B,
          dns: ['172.31.0.53'],
          domain: 'b.test',
          leaseTimeSec: 600,
          reservations: [{ mac: '52:54:00:aa:cc:99', ip: '172.31.0.50', hostname: 'b-host' }],
        },
        { subnet: '10.20.0.0/16', rangeStart: '10.20.5.0', rangeEnd: '10.20.5.9' },
      ],
      ...extra,
    },
    store,
  );
  return { e, store };
}

function send(e: DhcpEngine, init: Partial<ClientPacketInit> & Pick<ClientPacketInit, 'type'>, now = 1_000_000) {
  const req = decodePacket(encodePacket(clientPacket({ mac: MAC, xid: 7, ...init })));
  const tx = e.handle(req, now);
  const reply = tx.reply ? decodePacket(encodePacket(tx.reply.packet)) : undefined;
  return { tx, reply };
}

const opt = (p: DhcpPacket | undefined, code: number) => (p ? findOption(p, code) : undefined);
const ipOpt = (p: DhcpPacket | undefined, code: number) => {
  const d = opt(p, code);
  return d ? ip.decode(d) : undefined;
};
const agentInfo = (subs: DhcpOption[]): DhcpOption => ({ code: Opt.RelayAgentInfo, data: subOptions.encode(subs) });
const last = (p: DhcpPacket | undefined) => {
  const o = p?.options.at(-1);
  return o ? { code: o.code, bytes: [...o.data] } : undefined;
};
const last82 = (o: DhcpOption) => ({ code: o.code, bytes: [...o.data] });
const circuitId = { code: 1, data: text.encode('eth0:vlan7') };
const linkSel = (a: string) => ({ code: 5, data: ip.encode(a) });

describe('selectSubnet (RFC 2131 / 3046 / 3527 / 3011)', () => {
  // distinct /24s 10.<k>.<j>.0/24, the interface on the first one
  const subnetsArb = fc.uniqueArray(fc.tuple(fc.nat(255), fc.nat(255)), {
    minLength: 1,
    maxLength: 6,
    selector: ([a, b]) => `${a}.${b}`,
  });
  const build = (nets: Array<[number, number]>) =>
    nets.map(([a, b]) => new Subnet({ subnet: `10.${a}.${b}.0/24` }, 60));
  const hostIn = (s: Subnet, h: number) => `${s.cidr.split('.').slice(0, 3).join('.')}.${h}`;
  const pkt = (p: Partial<DhcpPacket>): Pick<DhcpPacket, 'options' | 'giaddr' | 'ciaddr'> => ({
    giaddr: '0.0.0.0',
    ciaddr: '0.0.0.0',
    options: [],
    ...p,
  });

  it('giaddr picks the subnet that holds it, whatever ciaddr says', () => {
    fc.assert(
      fc.property(subnetsArb, fc.nat(), fc.integer({ min: 1, max: 254 }), fc.nat(), (nets, pick, h, other) => {
        const subs = build(nets);
        const want = subs[pick % subs.length]!;
        const ciaddr = hostIn(subs[other % subs.length]!, 9);
        const sel = selectSubnet(subs, pkt({ giaddr: hostIn(want, h), ciaddr }), hostIn(subs[0]!, 1));
        expect(sel).toMatchObject({ by: 'giaddr', subnet: want });
      }),
    );
  });

  it('option 82 link selection (RFC 3527) wins over option 118 and giaddr', () => {
    fc.assert(
      fc.property(subnetsArb, fc.nat(), fc.nat(), (nets, a, b) => {
        const subs = build(nets);
        const want = subs[a % subs.length]!;
        const relay = subs[b % subs.length]!;
        const options = [
          { code: Opt.SubnetSelection, data: ip.encode(hostIn(relay, 3)) },
          agentInfo([circuitId, linkSel(hostIn(want, 1))]),
        ];
        const sel = selectSubnet(subs, pkt({ giaddr: hostIn(relay, 2), options }), hostIn(subs[0]!, 1));
        expect(sel).toMatchObject({ by: 'link-selection', subnet: want });
        const sel118 = selectSubnet(subs, pkt({ giaddr: hostIn(relay, 2), options: options.slice(0, 1) }), '1.1.1.1');
        expect(sel118).toMatchObject({ by: 'subnet-selection', subnet: relay });
      }),
    );
  });

  it('a relay (or link) on none of our subnets selects nothing; a direct client gets the interface subnet', () => {
    fc.assert(
      fc.property(subnetsArb, fc.integer({ min: 1, max: 254 }), fc.nat(), (nets, h, pick) => {
        const subs = build(nets);
        const outside = `192.168.${h}.1`; // never inside 10.0.0.0/8
        expect(selectSubnet(subs, pkt({ giaddr: outside }), hostIn(subs[0]!, 1)).subnet).toBeUndefined();
        const local = subs[pick % subs.length]!;
        expect(selectSubnet(subs, pkt({}), hostIn(local, 1))).toMatchObject({ by: 'interface', subnet: local });
        // a ciaddr we do not serve falls back to the interface; one we serve names its subnet (unicast renewal)
        expect(selectSubnet(subs, pkt({ ciaddr: outside }), hostIn(local, 1)).subnet).toBe(local);
        const far = subs[(pick + 1) % subs.length]!;
        expect(selectSubnet(subs, pkt({ ciaddr: hostIn(far, h) }), hostIn(local, 1)).subnet).toBe(far);
      }),
    );
  });

  it('never throws on arbitrary option 82 / 118 bytes', () => {
    const subs = build([[1, 2]]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 6 }), (a, b) => {
        const options = [
          { code: Opt.RelayAgentInfo, data: a },
          { code: Opt.SubnetSelection, data: b },
        ];
        const sel = selectSubnet(subs, pkt({ options }), '10.1.2.1');
        expect(['link-selection', 'subnet-selection', 'interface']).toContain(sel.by);
      }),
    );
  });
});

describe('DhcpEngine with several subnets', () => {
  it('a relayed client on B gets B range, router, DNS, lease time; the reply goes to giaddr:67', () => {
    const { e, store } = engine();
    const offer = send(e, { type: MessageType.Discover, giaddr: RELAY_B });
    expect(offer.reply?.yiaddr).toBe('172.31.0.100');
    expect(offer.tx.reply).toMatchObject({ address: RELAY_B, port: 67 });
    expect(offer.reply?.giaddr).toBe(RELAY_B);
    expect(ipOpt(offer.reply, Opt.Router)).toBe(RELAY_B);
    expect(ipOpt(offer.reply, Opt.DnsServers)).toBe('172.31.0.53');
    expect(ipOpt(offer.reply, Opt.ServerId)).toBe(SERVER);
    expect(u32.decode(opt(offer.reply, Opt.LeaseTime)!)).toBe(600);
    const ack = send(e, { type: MessageType.Request, giaddr: RELAY_B, requestedIp: '172.31.0.100', serverId: SERVER });
    expect(opt(ack.reply, Opt.MessageType)?.[0]).toBe(MessageType.Ack);
    expect(store.getByMac(MAC)).toMatchObject({ ip: '172.31.0.100', state: 'bound', expiresAt: 1_000_000 + 600_000 });
    // the unicast renewal reaches us without the relay: ciaddr names subnet B
    const renew = send(e, { type: MessageType.Request, ciaddr: '172.31.0.100' }, 1_100_000);
    expect(opt(renew.reply, Opt.MessageType)?.[0]).toBe(MessageType.Ack);
    expect(renew.tx.reply).toMatchObject({ address: '172.31.0.100', port: 68 });
    // a direct client still gets A
    const direct = send(e, { type: MessageType.Discover, mac: '52:54:00:aa:cc:02' });
    expect(direct.reply?.yiaddr).toBe('172.30.0.100');
    expect(ipOpt(direct.reply, Opt.Router)).toBe(SERVER);
  });

  it('echoes option 82 verbatim as the last option (RFC 3046), in OFFER, ACK and NAK', () => {
    const { e } = engine();
    const agent = agentInfo([circuitId, { code: 2, data: Uint8Array.of(1, 2, 3) }]);
    const offer = send(e, { type: MessageType.Discover, giaddr: RELAY_B, extraOptions: [agent] });
    expect(last(offer.reply)).toEqual(last82(agent));
    const nak = send(e, {
      type: MessageType.Request,
      giaddr: RELAY_B,
      requestedIp: '172.30.0.100',
      extraOptions: [agent],
    });
    expect(opt(nak.reply, Opt.MessageType)?.[0]).toBe(MessageType.Nak);
    expect(last(nak.reply)).toEqual(last82(agent));
    expect(send(e, { type: MessageType.Discover }).reply?.options.some((o) => o.code === Opt.RelayAgentInfo)).toBe(
      false,
    );
  });

  it('RFC 3527 link selection picks the subnet while the reply still goes to giaddr', () => {
    const { e } = engine();
    const r = send(e, {
      type: MessageType.Discover,
      giaddr: '192.168.77.1',
      extraOptions: [agentInfo([linkSel('10.20.1.1')])],
    });
    expect(r.reply?.yiaddr).toBe('10.20.5.0');
    expect(ipOpt(r.reply, Opt.SubnetMask)).toBe('255.255.0.0');
    expect(r.tx.reply).toMatchObject({ address: '192.168.77.1', port: 67 });
  });

  it('NAKs REQUESTs for an address of another subnet than the selected one', () => {
    const { e } = engine();
    send(e, { type: MessageType.Discover });
    send(e, { type: MessageType.Request, requestedIp: '172.30.0.100', serverId: SERVER });
    // the client moved behind relay B: INIT-REBOOT, REBINDING and a SELECTING of the old address all NAK
    const reboot = send(e, { type: MessageType.Request, giaddr: RELAY_B, requestedIp: '172.30.0.100' });
    expect(reboot.tx.outcome).toBe('NAK: 172.30.0.100 is not on 172.31.0.0/24');
    expect(reboot.tx.reply).toMatchObject({ address: RELAY_B, port: 67 });
    const rebind = send(e, { type: MessageType.Request, giaddr: RELAY_B, ciaddr: '172.30.0.100' });
    expect(rebind.tx.outcome).toMatch(/^NAK: 172\.30\.0\.100 is not on 172\.31\.0\.0\/24/);
    const selecting = send(e, {
      type: MessageType.Request,
      giaddr: RELAY_B,
      requestedIp: '172.30.0.100',
      serverId: SERVER,
    });
    expect(selecting.tx.outcome).toMatch(/^NAK/);
    // and a fresh DISCOVER there moves it to B
    expect(send(e, { type: MessageType.Discover, giaddr: RELAY_B }).reply?.yiaddr).toBe('172.31.0.100');
  });

  it('reservations are per subnet: the same MAC gets its A or B address and hostname', () => {
    const { e } = engine({ knownHostsOnly: true });
    const mac = '52:54:00:aa:cc:99';
    const a = send(e, { type: MessageType.Discover, mac });
    expect(a.reply?.yiaddr).toBe('172.30.0.50');
    expect(text.decode(opt(a.reply, Opt.Hostname)!)).toBe('a-host');
    const b = send(e, { type: MessageType.Discover, mac, giaddr: RELAY_B });
    expect(b.reply?.yiaddr).toBe('172.31.0.50');
    expect(text.decode(opt(b.reply, Opt.Hostname)!)).toBe('b-host');
    // known in some subnet = known; on C it has no reservation and gets a dynamic address
    expect(send(e, { type: MessageType.Discover, mac, giaddr: '10.20.0.1' }).reply?.yiaddr).toBe('10.20.5.0');
    expect(send(e, { type: MessageType.Discover, giaddr: RELAY_B }).tx.outcome).toMatch(/unknown host/);
  });

  it('a relay from a subnet we do not serve is ignored; config errors are typed', () => {
    const { e } = engine();
    expect(send(e, { type: MessageType.Discover, giaddr: '192.168.9.1' }).tx.outcome).toMatch(
      /relay 192\.168\.9\.1 is on none of our subnets/,
    );
    expect(() => engine({ subnets: [{ subnet: '172.30.0.128/25' }] })).toThrow(/overlaps/);
    expect(() =>
      engine({ subnets: [{ subnet: '172.32.0.0/24', reservations: [{ mac: MAC, ip: '1.2.3.4' }] }] }),
    ).toThrow(/not on 172\.32\.0\.0\/24/);
    expect(() => engine({ reservations: [{ mac: MAC, ip: '192.168.1.1' }] })).toThrow(/none of the served subnets/);
  });

  it('works with `subnets` only (no flat subnet): the interface address picks its subnet', () => {
    const { e } = engine({ subnet: undefined, rangeStart: undefined, rangeEnd: undefined, reservations: [] });
    // 172.30.0.1 (the server) is on none of them: the first listed subnet serves direct clients
    expect(send(e, { type: MessageType.Discover }).reply?.yiaddr).toBe('172.31.0.100');
    const e2 = engine({
      subnet: undefined,
      reservations: [],
      serverAddress: '10.20.0.1',
    }).e;
    expect(send(e2, { type: MessageType.Discover }).reply?.yiaddr).toBe('10.20.5.0');
  });

  it('property: any relayed DISCOVER is answered from the subnet holding giaddr, or ignored', () => {
    const subnets = ['172.30.0.0/24', '172.31.0.0/24', '10.20.0.0/16'];
    const { e } = engine();
    fc.assert(
      fc.property(fc.nat(255), fc.nat(255), fc.nat(0xffffff), (a, b, m) => {
        const giaddr = `172.${30 + (a % 3)}.${b}.${1 + (m % 254)}`;
        const mac = `52:54:00:${[16, 8, 0].map((s) => ((m >> s) & 255).toString(16).padStart(2, '0')).join(':')}`;
        const r = send(e, { type: MessageType.Discover, mac, giaddr });
        const holder = subnets.find((s) => new Subnet({ subnet: s }, 60).contains(giaddr));
        if (!holder) {
          expect(r.tx.outcome).toMatch(/ignored: relay/);
          return;
        }
        if (r.tx.outcome.includes('no free address')) return;
        const got = new Subnet({ subnet: holder }, 60);
        expect(got.contains(r.reply!.yiaddr)).toBe(true);
        expect(ipv4ToInt(r.reply!.yiaddr)).toBeGreaterThan(0);
        expect(r.tx.reply).toMatchObject({ address: giaddr, port: 67 });
      }),
      { numRuns: 300 },
    );
  });

  it('leases of every subnet share one store', () => {
    const { e, store } = engine();
    send(e, { type: MessageType.Discover, giaddr: RELAY_B });
    send(e, { type: MessageType.Request, giaddr: RELAY_B, requestedIp: '172.31.0.100', serverId: SERVER });
    send(e, { type: MessageType.Discover, mac: '52:54:00:aa:cc:03' });
    send(e, { type: MessageType.Request, mac: '52:54:00:aa:cc:03', requestedIp: '172.30.0.100', serverId: SERVER });
    const ips = store.all().map((l) => l.ip);
    expect(ips).toEqual(expect.arrayContaining(['172.31.0.100', '172.30.0.100']));
  });
});
