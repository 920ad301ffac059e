import { randomBytes } from 'node:crypto';
import { demoNodes, MemoryDriver } from '@bmc-emu/core';
import {
  decodeAsf,
  decodeOpenSessionResponse,
  decodeResponse,
  decodeRmcp,
  decodeSession15,
  encodeAsf,
  encodeOpenSessionRequest,
  encodeRakp1,
  encodeRequest,
  encodeRmcp,
  encodeSession15,
  PAYLOAD,
  RMCP_STATUS,
  SUITE_3,
} from '../packages/ipmi/test/support/internals.js';
import { type EndpointInfo, IpmiServer } from '@bmc-emu/ipmi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipmitool } from '../packages/ipmi/test/support/peers.js';
import {
  command,
  openRawSession,
  plusBody,
  RawUdp,
  sealedRequest,
  sessionless,
} from '../packages/ipmi/test/support/rmcp-client.js';
import { command as peerCommand, requirePeers } from './support/peers.js';

const FAILURE_DELAY = 40;

function lan15(netFn: number, cmd: number, data: number[]): Buffer {
  const msg = encodeRequest({
    rsAddr: 0x20,
    netFn,
    rsLun: 0,
    rqAddr: 0x81,
    rqSeq: 1,
    rqLun: 0,
    cmd,
    data: Buffer.from(data),
  });
  return encodeRmcp(7, encodeSession15({ authType: 0, sequence: 0, sessionId: 0, payload: msg }));
}

describe('IPMI bad input at a live server (raw RMCP+ console)', () => {
  let driver: MemoryDriver;
  let server: IpmiServer;
  let eps: EndpointInfo[];
  let udp: RawUdp;

  beforeAll(async () => {
    driver = new MemoryDriver({ nodes: demoNodes(3), transitionMs: 10 });
    server = new IpmiServer({
      driver,
      basePort: 0,
      user: 'admin',
      password: 'password',
      failureDelayMs: FAILURE_DELAY,
      maxSessionsPerBmc: 4,
      sessionIdleTimeoutSec: 5,
    });
    eps = await server.start();
    udp = new RawUdp(eps[0]!.port);
  });
  afterAll(async () => {
    udp?.close();
    await server?.stop();
    await driver?.close();
  });

  it('answers an ASF presence ping with a pong', async () => {
    const ping = encodeRmcp(6, encodeAsf({ iana: 4542, type: 0x80, tag: 0x42, data: Buffer.alloc(0) }));
    const pong = decodeAsf(decodeRmcp((await udp.request(ping))!).body);
    expect(pong).toMatchObject({ iana: 4542, type: 0x40, tag: 0x42 });
    expect(pong.data[8]! & 0x80).toBe(0x80); // IPMI supported
  });

  it('lists exactly suites 17 and 3 in Get Channel Cipher Suites', async () => {
    const rsp = decodeResponse(
      decodeSession15(decodeRmcp((await udp.request(lan15(6, 0x54, [0x0e, 0x00, 0x80])))!).body).payload,
    );
    expect(rsp.completionCode).toBe(0);
    expect([...rsp.data]).toEqual([1, 0xc0, 17, 0x03, 0x44, 0x81, 0xc0, 3, 0x01, 0x41, 0x81]);
  });

  it('refuses suites 0-2 and unknown algorithms with status 0x11 after the constant delay', async () => {
    for (const [auth, integrity, conf] of [
      [0, 0, 0],
      [1, 0, 0],
      [1, 1, 0],
      [2, 2, 1],
    ]) {
      const t0 = performance.now();
      const raw = await udp.request(
        sessionless(
          PAYLOAD.openSessionRequest,
          encodeOpenSessionRequest({
            tag: 9,
            maxPrivilege: 4,
            consoleSessionId: 0x1234,
            auth: auth!,
            integrity: integrity!,
            confidentiality: conf!,
          }),
        ),
      );
      expect(raw, 'no silent drop').toBeDefined();
      expect(performance.now() - t0).toBeGreaterThanOrEqual(FAILURE_DELAY - 5);
      const rsp = decodeOpenSessionResponse(plusBody(raw!).payload);
      expect(rsp).toMatchObject({ tag: 9, status: RMCP_STATUS.noCipherSuiteMatch, consoleSessionId: 0x1234 });
    }
  });

  it('answers an unknown user with RAKP2 status 0x0D and a bad RAKP3 with RAKP4 status 0x0F', async () => {
    expect(await openRawSession(udp, { user: 'mallory' })).toEqual({ ok: false, stage: 'rakp2', status: 0x0d });
    expect(await openRawSession(udp, { password: 'wrong' })).toEqual({ ok: false, stage: 'rakp4', status: 0x0f });
    expect(await openRawSession(udp, { role: 0x15 })).toEqual({
      ok: false,
      stage: 'rakp2',
      status: RMCP_STATUS.unauthorizedRole,
    });
    // username/privilege lookup (role bit 4 clear) is accepted as well as name-only lookup
    const byPriv = await openRawSession(udp, { role: 0x04 });
    if (!byPriv.ok) throw new Error(`privilege lookup refused: ${JSON.stringify(byPriv)}`);
    const sid = Buffer.alloc(4);
    sid.writeUInt32LE(byPriv.session.bmcSessionId);
    expect((await command(byPriv.session, 0x06, 0x3c, [...sid]))?.completionCode).toBe(0);
    // a RAKP1 for a session that does not exist
    const r2 = await udp.request(
      sessionless(
        PAYLOAD.rakp1,
        encodeRakp1({
          tag: 1,
          bmcSessionId: 0xdeadbeef,
          consoleRandom: randomBytes(16),
          role: 4,
          userName: Buffer.from('admin'),
        }),
      ),
    );
    expect(plusBody(r2!).payload[1]).toBe(RMCP_STATUS.invalidSessionId);
  });

  it('drops replays, out-of-window numbers and bad ICVs, and keeps the session working', async () => {
    const r = await openRawSession(udp, { suite: SUITE_3 });
    if (!r.ok) throw new Error(`handshake failed: ${JSON.stringify(r)}`);
    const s = r.session;
    const first = sealedRequest(s, 0x00, 0x01, []);
    expect(await udp.request(first)).toBeDefined();
    expect(await udp.request(first, 300), 'replay').toBeUndefined();
    const ahead = sealedRequest(s, 0x00, 0x01, [], s.seq + 100);
    expect(await udp.request(ahead, 300), 'out of window').toBeUndefined();
    const forged = sealedRequest(s, 0x00, 0x01, []);
    forged[forged.length - 1]! ^= 0xff;
    expect(await udp.request(forged, 300), 'bad ICV').toBeUndefined();
    // the forged packet's number was not consumed by the failed ICV: the same number still works
    const again = await udp.request(sealedRequest(s, 0x00, 0x01, [], s.seq - 1));
    expect(again).toBeDefined();
    const status = await command(s, 0x00, 0x01);
    expect(status?.completionCode).toBe(0);
  });

  it('enforces session privilege (D4) and Close Session really closes', async () => {
    const r = await openRawSession(udp);
    if (!r.ok) throw new Error('handshake failed');
    const s = r.session;
    expect((await command(s, 0x06, 0x3b, [2]))?.completionCode).toBe(0); // drop to USER
    expect((await command(s, 0x00, 0x02, [1]))?.completionCode).toBe(0xd4);
    expect((await driver.get(eps[0]!.nodeId)).powerState).toBe('Off');
    expect((await command(s, 0x06, 0x3b, [4]))?.completionCode).toBe(0);
    const id = Buffer.alloc(4);
    id.writeUInt32LE(s.bmcSessionId);
    expect((await command(s, 0x06, 0x3c, [...id]))?.completionCode).toBe(0);
    expect(await command(s, 0x00, 0x01, [], 300)).toBeUndefined();
  });

  it('caps sessions per BMC with status 0x01 and frees slots on close', async () => {
    const own = new RawUdp(eps[2]!.port);
    const sessions = [];
    for (let i = 0; i < 4; i++) {
      const r = await openRawSession(own);
      expect(r.ok).toBe(true);
      if (r.ok) sessions.push(r.session);
    }
    expect(await openRawSession(own)).toEqual({ ok: false, stage: 'open', status: RMCP_STATUS.insufficientResources });
    for (const s of sessions) {
      const id = Buffer.alloc(4);
      id.writeUInt32LE(s.bmcSessionId);
      expect((await command(s, 0x06, 0x3c, [...id]))?.completionCode).toBe(0);
    }
    expect((await openRawSession(own)).ok).toBe(true);
    own.close();
  });

  it('closes idle sessions', async () => {
    const d = new MemoryDriver({ nodes: demoNodes(1) });
    const quick = new IpmiServer({
      driver: d,
      basePort: 0,
      user: 'admin',
      password: 'password',
      sessionIdleTimeoutSec: 0.5,
    });
    try {
      const [ep] = await quick.start();
      const u = new RawUdp(ep!.port);
      const r = await openRawSession(u);
      if (!r.ok) throw new Error('handshake failed');
      expect((await command(r.session, 0x00, 0x01))?.completionCode).toBe(0);
      await new Promise((res) => setTimeout(res, 400));
      expect((await command(r.session, 0x00, 0x01))?.completionCode, 'activity keeps it open').toBe(0);
      await new Promise((res) => setTimeout(res, 800));
      expect(await command(r.session, 0x00, 0x01, [], 300), 'idle session is gone').toBeUndefined();
      expect(quick.endpointFor(ep!.nodeId)!.sessions.size).toBe(0);
      u.close();
    } finally {
      await quick.stop();
      await d.close();
    }
  });

  it('refuses IPMI 1.5 auth types none and straight password', async () => {
    const name = Buffer.alloc(16);
    name.write('admin');
    for (const authType of [0, 4]) {
      const rsp = decodeResponse(
        decodeSession15(decodeRmcp((await udp.request(lan15(6, 0x39, [authType, ...name])))!).body).payload,
      );
      expect(rsp.completionCode).toBe(0xcc);
    }
  });

  it('survives 100,000 mutated datagrams and still serves', async () => {
    const live = new RawUdp(eps[1]!.port);
    const r = await openRawSession(live);
    if (!r.ok) throw new Error('handshake failed');
    const s = r.session;
    const name = Buffer.alloc(16);
    name.write('admin');
    const seeds = [
      lan15(6, 0x38, [0x8e, 0x04]),
      lan15(6, 0x54, [0x0e, 0x00, 0x80]),
      lan15(6, 0x39, [2, ...name]),
      encodeRmcp(6, encodeAsf({ iana: 4542, type: 0x80, tag: 1, data: Buffer.alloc(0) })),
      sessionless(
        PAYLOAD.openSessionRequest,
        encodeOpenSessionRequest({
          tag: 1,
          maxPrivilege: 4,
          consoleSessionId: 7,
          auth: 3,
          integrity: 4,
          confidentiality: 1,
        }),
      ),
      sessionless(
        PAYLOAD.rakp1,
        encodeRakp1({
          tag: 1,
          bmcSessionId: s.bmcSessionId,
          consoleRandom: randomBytes(16),
          role: 0x14,
          userName: Buffer.from('admin'),
        }),
      ),
      sealedRequest(s, 0x00, 0x01, []),
      sealedRequest(s, 0x00, 0x08, [0x05, 0xa0, 0x04, 0, 0, 0]),
    ];
    const fuzz = new RawUdp(eps[1]!.port);
    const target = server.endpointFor(eps[1]!.nodeId)!;
    const before = target.stats.received;
    const rnd = randomBytes(100_000 * 4);
    const t0 = performance.now();
    for (let i = 0; i < 100_000; i++) {
      const seed = seeds[i % seeds.length]!;
      const d = Buffer.from(seed);
      const kind = rnd[i * 4]! % 4;
      let out: Buffer = d;
      if (kind === 0) d[rnd[i * 4 + 1]! % d.length]! ^= 1 << (rnd[i * 4 + 2]! % 8);
      else if (kind === 1) out = d.subarray(0, rnd[i * 4 + 1]! % d.length);
      else if (kind === 2) out = Buffer.concat([d, randomBytes(rnd[i * 4 + 1]! % 64)]);
      else out = randomBytes(1 + (rnd[i * 4 + 1]! % 120));
      if (i % 2 === 0) fuzz.send(out);
      else live.send(out);
      if (i % 100 === 99) {
        // pace the sender: wait (bounded) until the server has read what was sent, so the test
        // measures the server and not the kernel's socket buffer
        const deadline = Date.now() + 200;
        while (target.stats.received - before < i + 1 - 20 && Date.now() < deadline) {
          await new Promise((res) => setImmediate(res));
        }
      }
    }
    await new Promise((res) => setTimeout(res, 500));
    const seconds = (performance.now() - t0) / 1000;
    const got = target.stats.received - before;
    console.log(`fuzz: 100000 datagrams in ${seconds.toFixed(1)} s; endpoint received ${got} of 100000`);
    expect(got).toBeGreaterThan(90_000);
    fuzz.close();
    // the server still serves (the fuzzed session itself idled out: 5 s idle timeout, 10 s of fuzz)
    const fresh = new RawUdp(eps[1]!.port);
    const again = await openRawSession(fresh);
    if (!again.ok) throw new Error(`handshake after fuzz failed: ${JSON.stringify(again)}`);
    expect((await command(again.session, 0x00, 0x01))?.completionCode).toBe(0);
    expect((await driver.get(eps[1]!.nodeId)).powerState).toBe('Off');
    fresh.close();
    live.close();
  }, 120_000);
});

const gate = requirePeers('ipmi fuzz then ipmitool', [peerCommand('ipmitool')]);
gate.describe('a real client after bad input', () => {
  it('ipmitool -C 17 works against a server that was just fuzzed (ephemeral server)', async () => {
    const driver = new MemoryDriver({ nodes: demoNodes(1) });
    const server = new IpmiServer({ driver, basePort: 0, user: 'admin', password: 'password' });
    try {
      const [ep] = await server.start();
      const udp = new RawUdp(ep!.port);
      for (let i = 0; i < 5000; i++) udp.send(randomBytes(1 + (i % 200)));
      await new Promise((res) => setTimeout(res, 200));
      udp.close();
      const r = await ipmitool('lanplus17', ep!.port, 'chassis power status');
      expect(r.stdout).toContain('Chassis Power is off');
    } finally {
      await server.stop();
      await driver.close();
    }
  });
});
