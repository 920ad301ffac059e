import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engine as baseEngine } from './engine-fixture.js';
import {
  type ClientPacketInit,
  clientPacket,
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
  parseLeaseFile,
  subOptions,
  text,
  u32,
} from './internals.js';

const SERVER = '172.30.0.1';
const MAC = '52:54:00:aa:bb:01';

function engine(extra: Partial<DhcpEngineOptions> = {}, store = new LeaseStore()) {
  const e = baseEngine(
    {
      dns: [SERVER],
      domain: 'lab.test',
      reservations: [{ mac: '52:54:00:AA:BB:99', ip: '172.30.0.50', hostname: 'master-0' }],
      ...extra,
    },
    store,
  );
  return { e, store };
}

/** Through the wire format, as the server sees it. */
function send(e: DhcpEngine, init: Partial<ClientPacketInit> & Pick<ClientPacketInit, 'type'>, now = 1_000_000) {
  const req = decodePacket(encodePacket(clientPacket({ mac: MAC, xid: 42, ...init })));
  const tx = e.handle(req, now);
  const reply = tx.reply ? decodePacket(encodePacket(tx.reply.packet)) : undefined;
  return { tx, reply };
}

const opt = (p: DhcpPacket | undefined, code: number) => (p ? findOption(p, code) : undefined);
const str = (p: DhcpPacket | undefined, code: number) => {
  const d = opt(p, code);
  return d ? text.decode(d) : undefined;
};

describe('DhcpEngine (server mode)', () => {
  it('DISCOVER -> OFFER -> REQUEST -> ACK with lease options, broadcast to 255.255.255.255:68', () => {
    const { e, store } = engine();
    const offer = send(e, { type: MessageType.Discover });
    expect(offer.reply?.yiaddr).toBe('172.30.0.100');
    expect(opt(offer.reply, Opt.MessageType)?.[0]).toBe(MessageType.Offer);
    expect(ip.decode(opt(offer.reply, Opt.ServerId)!)).toBe(SERVER);
    expect(u32.decode(opt(offer.reply, Opt.LeaseTime)!)).toBe(3600);
    expect(u32.decode(opt(offer.reply, Opt.RenewalTime)!)).toBe(1800);
    expect(u32.decode(opt(offer.reply, Opt.RebindingTime)!)).toBe(3150);
    expect(ip.decode(opt(offer.reply, Opt.SubnetMask)!)).toBe('255.255.255.0');
    expect(str(offer.reply, Opt.DomainName)).toBe('lab.test');
    expect(offer.tx.reply).toMatchObject({ address: '255.255.255.255', port: 68 });
    expect(opt(offer.reply, Opt.BootfileName)).toBeUndefined(); // not a PXE client
    const ack = send(e, { type: MessageType.Request, requestedIp: '172.30.0.100', serverId: SERVER });
    expect(opt(ack.reply, Opt.MessageType)?.[0]).toBe(MessageType.Ack);
    expect(ack.reply?.yiaddr).toBe('172.30.0.100');
    expect(ack.tx.persist).toBe(true);
    expect(store.getByMac(MAC)).toMatchObject({ state: 'bound', ip: '172.30.0.100' });
  });

  it('ignores a REQUEST for another server (option 54) and frees its offer', () => {
    const { e, store } = engine();
    send(e, { type: MessageType.Discover });
    const r = send(e, { type: MessageType.Request, requestedIp: '172.30.0.100', serverId: '172.30.0.2' });
    expect(r.reply).toBeUndefined();
    expect(r.tx.outcome).toMatch(/another server/);
    expect(store.getByMac(MAC)).toBeUndefined();
  });

  it('NAKs a SELECTING request for an address it did not offer, by broadcast', () => {
    const { e } = engine();
    send(e, { type: MessageType.Discover });
    const r = send(e, { type: MessageType.Request, requestedIp: '172.30.0.105', serverId: SERVER });
    expect(opt(r.reply, Opt.MessageType)?.[0]).toBe(MessageType.Nak);
    expect(r.tx.reply?.address).toBe('255.255.255.255');
  });

  it('INIT-REBOOT: ACKs the bound address, NAKs a foreign subnet and another address', () => {
    const { e } = engine();
    send(e, { type: MessageType.Discover });
    send(e, { type: MessageType.Request, requestedIp: '172.30.0.100', serverId: SERVER });
    expect(opt(send(e, { type: MessageType.Request, requestedIp: '172.30.0.100' }).reply, Opt.MessageType)?.[0]).toBe(
      MessageType.Ack,
    );
    expect(opt(send(e, { type: MessageType.Request, requestedIp: '10.1.1.1' }).reply, Opt.MessageType)?.[0]).toBe(
      MessageType.Nak,
    );
    expect(opt(send(e, { type: MessageType.Request, requestedIp: '172.30.0.101' }).reply, Opt.MessageType)?.[0]).toBe(
      MessageType.Nak,
    );
  });

  it('RENEWING is answered by unicast to ciaddr and extends the lease', () => {
    const { e, store } = engine();
    send(e, { type: MessageType.Discover });
    send(e, { type: MessageType.Request, requestedIp: '172.30.0.100', serverId: SERVER });
    const r = send(e, { type: MessageType.Request, ciaddr: '172.30.0.100' }, 2_000_000);
    expect(opt(r.reply, Opt.MessageType)?.[0]).toBe(MessageType.Ack);
    expect(r.tx.reply).toMatchObject({ address: '172.30.0.100', port: 68 });
    expect(store.getByMac(MAC)?.expiresAt).toBe(2_000_000 + 3600_000);
  });

  it('answers a relay at giaddr:67', () => {
    const { e } = engine();
    const r = send(e, { type: MessageType.Discover, giaddr: '172.30.0.254' });
    expect(r.tx.reply).toMatchObject({ address: '172.30.0.254', port: 67 });
    expect(send(e, { type: MessageType.Discover, giaddr: '10.9.0.1' }).tx.outcome).toMatch(
      /relay 10\.9\.0\.1 is on none of our subnets/,
    );
  });

  it('DECLINE marks the address unusable and the next DISCOVER gets another one', () => {
    const { e, store } = engine();
    send(e, { type: MessageType.Discover });
    send(e, { type: MessageType.Request, requestedIp: '172.30.0.100', serverId: SERVER });
    const d = send(e, { type: MessageType.Decline, requestedIp: '172.30.0.100', serverId: SERVER });
    expect(d.tx.persist).toBe(true);
    expect(store.getByIp('172.30.0.100')?.state).toBe('declined');
    expect(send(e, { type: MessageType.Discover }).reply?.yiaddr).not.toBe('172.30.0.100');
  });

  it('RELEASE keeps the address for the same client next time', () => {
    const { e, store } = engine();
    send(e, { type: MessageType.Discover });
    send(e, { type: MessageType.Request, requestedIp: '172.30.0.100', serverId: SERVER });
    send(e, { type: MessageType.Release, ciaddr: '172.30.0.100', serverId: SERVER });
    expect(store.getByMac(MAC)?.state).toBe('released');
    send(e, { type: MessageType.Discover, mac: '52:54:00:00:00:02' });
    expect(send(e, { type: MessageType.Discover }).reply?.yiaddr).toBe('172.30.0.100');
  });

  it('reserved MAC gets its fixed address and hostname; known-hosts-only ignores others', () => {
    const { e } = engine({ knownHostsOnly: true });
    const r = send(e, { type: MessageType.Discover, mac: '52:54:00:aa:bb:99' });
    expect(r.reply?.yiaddr).toBe('172.30.0.50');
    expect(str(r.reply, Opt.Hostname)).toBe('master-0');
    expect(send(e, { type: MessageType.Discover }).tx.outcome).toMatch(/unknown host/);
  });

  it('INFORM gets configuration without an address or lease time, unicast', () => {
    const { e } = engine();
    const r = send(e, { type: MessageType.Inform, ciaddr: '172.30.0.7' });
    expect(r.reply?.yiaddr).toBe('0.0.0.0');
    expect(opt(r.reply, Opt.LeaseTime)).toBeUndefined();
    expect(r.tx.reply?.address).toBe('172.30.0.7');
  });

  it('runs out of addresses gracefully', () => {
    const { e } = engine();
    for (let i = 0; i < 11; i++) {
      expect(
        send(e, { type: MessageType.Discover, mac: `52:54:00:00:01:${i.toString(16).padStart(2, '0')}` }).reply,
      ).toBeDefined();
    }
    expect(send(e, { type: MessageType.Discover, mac: '52:54:00:00:02:00' }).tx.outcome).toMatch(/no free address/);
  });
});

describe('DhcpEngine PXE answers', () => {
  const cases: Array<[string, Partial<ClientPacketInit>, { file?: string; url?: string; vc?: string }]> = [
    ['BIOS arch 0', { arch: 0, vendorClass: 'PXEClient:Arch:00000:UNDI:002001' }, { file: 'undionly.kpxe' }],
    ['UEFI x64 arch 7', { arch: 7, vendorClass: 'PXEClient:Arch:00007:UNDI:003016' }, { file: 'snponly.efi' }],
    ['UEFI x64 arch 9', { arch: 9, vendorClass: 'PXEClient:Arch:00009:UNDI:003016' }, { file: 'snponly.efi' }],
    ['ARM64 arch 11', { arch: 11, vendorClass: 'PXEClient:Arch:00011:UNDI:003000' }, { file: 'snponly-arm64.efi' }],
    [
      'UEFI HTTP boot arch 16',
      { arch: 16, vendorClass: 'HTTPClient:Arch:00016:UNDI:003001' },
      { url: 'http://172.30.0.1:8080/ipxe/snponly.efi', vc: 'HTTPClient' },
    ],
    ['iPXE (option 175)', { arch: 0, ipxe: true, userClassRaw: 'iPXE' }, { url: 'http://172.30.0.1:8080/boot.ipxe' }],
    ['iPXE (user class only)', { arch: 7, userClassRaw: 'iPXE' }, { url: 'http://172.30.0.1:8080/boot.ipxe' }],
  ];
  for (const [name, init, want] of cases) {
    it(`${name} gets ${want.file ?? want.url}`, () => {
      const { e } = engine();
      const r = send(e, { type: MessageType.Discover, ...init });
      if (want.file) {
        expect(r.reply?.file).toBe(want.file);
        expect(r.reply?.siaddr).toBe(SERVER);
        expect(r.reply?.sname).toBe(SERVER);
        expect(str(r.reply, Opt.TftpServerName)).toBe(SERVER);
        expect(str(r.reply, Opt.BootfileName)).toBe(want.file);
      } else {
        expect(str(r.reply, Opt.BootfileName)).toBe(want.url);
        expect(r.reply?.file).toBe(want.url);
      }
      // server mode echoes only HTTPClient (UEFI HTTP boot needs it); PXEClient would send EDK2 to port 4011
      expect(str(r.reply, Opt.VendorClass)).toBe(want.vc);
      expect(r.reply?.yiaddr).toBe('172.30.0.100');
    });
  }

  it('a host with pxe:false gets an address but no boot file; per-host boot file wins', () => {
    const { e } = engine({
      reservations: [
        { mac: '52:54:00:aa:bb:01', ip: '172.30.0.60', pxe: false },
        { mac: '52:54:00:aa:bb:02', ip: '172.30.0.61', bootFile: 'custom.kpxe' },
      ],
    });
    const a = send(e, { type: MessageType.Discover, arch: 0, vendorClass: 'PXEClient' });
    expect(a.reply?.yiaddr).toBe('172.30.0.60');
    expect(opt(a.reply, Opt.BootfileName)).toBeUndefined();
    expect(a.reply?.file).toBe('');
    const b = send(e, { type: MessageType.Discover, mac: '52:54:00:aa:bb:02', arch: 0, vendorClass: 'PXEClient' });
    expect(b.reply?.file).toBe('custom.kpxe');
  });
});

describe('DhcpEngine (proxy mode)', () => {
  it('offers boot info without an address to PXE clients, with option 43 discovery control, ignores others', () => {
    const { e } = engine({ mode: 'proxy', subnet: undefined, rangeStart: undefined, rangeEnd: undefined });
    const r = send(e, { type: MessageType.Discover, arch: 0, vendorClass: 'PXEClient:Arch:00000:UNDI:002001' });
    expect(r.reply?.yiaddr).toBe('0.0.0.0');
    expect(str(r.reply, Opt.VendorClass)).toBe('PXEClient');
    expect(subOptions.decode(opt(r.reply, Opt.VendorSpecific)!)).toEqual([{ code: 6, data: Uint8Array.of(8) }]);
    expect(r.reply?.file).toBe('undionly.kpxe');
    expect(opt(r.reply, Opt.LeaseTime)).toBeUndefined();
    expect(opt(r.reply, Opt.SubnetMask)).toBeUndefined();
    expect(send(e, { type: MessageType.Discover }).tx.outcome).toMatch(/PXE clients only/);
    const other = send(e, {
      type: MessageType.Request,
      arch: 0,
      vendorClass: 'PXEClient',
      serverId: '172.30.0.2',
      requestedIp: '172.30.0.5',
    });
    expect(other.reply).toBeUndefined();
  });
});

describe('LeaseStore', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes a readable file atomically and loads it back; group commit coalesces writes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-leases-'));
    const file = join(dir, 'leases.txt');
    const { e, store } = engine({}, new LeaseStore(file));
    const commits: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) {
      const mac = `52:54:00:00:00:0${i}`;
      const o = send(e, { type: MessageType.Discover, mac });
      send(e, { type: MessageType.Request, mac, requestedIp: o.reply!.yiaddr, serverId: SERVER });
      commits.push(store.commit());
    }
    await Promise.all(commits);
    const body = await readFile(file, 'utf8');
    expect(body).toMatch(/^# bmc-emu DHCP leases, format 1/);
    expect(body).toMatch(/^bound 52:54:00:00:00:00 172\.30\.0\.100 \d{4}-\d\d-\d\dT[\d:.]+Z -$/m);
    expect(parseLeaseFile(body).filter((l) => l.state === 'bound')).toHaveLength(5);
    const again = new LeaseStore(file);
    expect(await again.load()).toBe(5);
    expect(again.getByMac('52:54:00:00:00:04')?.ip).toBe('172.30.0.104');
  });

  it('appends changes, ignores a torn last line, replays free/declined lines and compacts on load', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-leases-'));
    const file = join(dir, 'leases.txt');
    const { e, store } = engine({}, new LeaseStore(file));
    await store.load();
    const o = send(e, { type: MessageType.Discover });
    send(e, { type: MessageType.Request, requestedIp: o.reply!.yiaddr, serverId: SERVER });
    await store.commit();
    send(e, { type: MessageType.Decline, requestedIp: o.reply!.yiaddr, serverId: SERVER });
    await store.commit();
    await store.close();
    const body = await readFile(file, 'utf8');
    expect(body).toMatch(
      /^bound 52:54:00:aa:bb:01 172\.30\.0\.100 .*\nfree 52:54:00:aa:bb:01 172\.30\.0\.100 .*\ndeclined - 172\.30\.0\.100 /m,
    );
    await writeFile(file, `${body}bound 52:54:00:aa:bb:07 172.30.0.10`); // torn append
    const again = new LeaseStore(file);
    expect(await again.load()).toBe(1);
    expect(again.getByIp('172.30.0.100')?.state).toBe('declined');
    expect(again.getByMac('52:54:00:aa:bb:01')).toBeUndefined();
    await again.close();
    const compacted = await readFile(file, 'utf8');
    expect(compacted.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      expect.stringMatching(/^declined - 172\.30\.0\.100 /),
    ]);
  });
});

describe('port 4011 in server mode', () => {
  it('answers a PXE REQUEST (EDK2 BINL retry) with the boot file and no address', () => {
    const { e } = engine();
    const req = decodePacket(
      encodePacket(
        clientPacket({
          type: MessageType.Request,
          mac: MAC,
          xid: 7,
          ciaddr: '172.30.0.100',
          arch: 7,
          vendorClass: 'PXEClient:Arch:00007:UNDI:003016',
          serverId: SERVER,
        }),
      ),
    );
    const tx = e.handle(req, 1_000_000, true);
    const reply = decodePacket(encodePacket(tx.reply!.packet));
    expect(findOption(reply, Opt.MessageType)?.[0]).toBe(MessageType.Ack);
    expect(reply.yiaddr).toBe('0.0.0.0');
    expect(reply.file).toBe('snponly.efi');
    expect(text.decode(findOption(reply, Opt.VendorClass)!)).toBe('PXEClient');
  });
});
