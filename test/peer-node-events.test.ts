/**
 * TFTP and boot-HTTP events name their node where the peer can be told: boot HTTP learns a client's MAC from
 * its `/boot/<mac>.ipxe` request, DHCP answers on the bus tie an address to a MAC, the driver's NICs a MAC to
 * a node (PeerNodes). Real curl for HTTP and TFTP; the DHCP answer is the event the DHCP server publishes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootHttpFrontEnd } from '@bmc-emu/boot-http';
import { demoNodes, EventBus, type FrontEnd, MemoryDriver, type Node, PeerNodes, type RackEvent } from '@bmc-emu/core';
import { tftpFrontEnd } from '@bmc-emu/tftp';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frontEndInput } from './support/front-end-input.js';
import { freePort } from './support/ironic.js';
import { command, requirePeers } from './support/peers.js';
import { freeUdpRange } from './support/serve-process.js';

const gate = requirePeers('peer node names', [command('curl')]);
const settle = () => new Promise((r) => setTimeout(r, 50));

gate.describe('TFTP and boot-HTTP events name their node', () => {
  const bus = new EventBus();
  const seen: RackEvent[] = [];
  let dir: string;
  let driver: MemoryDriver;
  let peers: PeerNodes;
  let http: FrontEnd;
  let tftp: FrontEnd;
  let httpBase: string;
  let tftpPort: number;
  let nodes: Node[];

  beforeAll(async () => {
    bus.subscribe((e) => void seen.push(e));
    dir = await mkdtemp(join(tmpdir(), 'bmcemu-peer-events-'));
    await writeFile(join(dir, 'hello.txt'), 'hello boot\n');
    driver = new MemoryDriver({ nodes: demoNodes(2) });
    nodes = await driver.list();
    peers = new PeerNodes(driver, bus);
    await peers.start();
    tftpPort = await freeUdpRange(1);
    const httpPort = await freePort();
    const input = (section: 'http' | 'tftp') =>
      frontEndInput(
        {
          stateDir: join(dir, 'state'),
          http: { enabled: true, port: httpPort, root: dir },
          tftp: { enabled: true, port: tftpPort, root: dir },
        },
        section,
        driver,
      );
    const withBus = <T extends { components: object }>(i: T) => ({
      ...i,
      components: { ...i.components, events: bus, peers },
    });
    http = bootHttpFrontEnd(withBus(input('http')))!;
    httpBase = /boot-http (\S+)\/boot\.ipxe/.exec((await http.start())[0]!)![1]!;
    tftp = tftpFrontEnd(withBus(input('tftp')))!;
    await tftp.start();
  });
  afterAll(async () => {
    await http?.stop();
    await tftp?.stop();
    peers?.stop();
    await driver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const last = (kind: 'http' | 'tftp') => seen.filter((e) => e.kind === kind).at(-1) as RackEvent & { node?: string };

  it('an unknown peer is published without a node', async () => {
    await execa('curl', ['-s', '-o', '/dev/null', `tftp://127.0.0.1:${tftpPort}/hello.txt`]);
    await settle();
    expect(last('tftp')).toMatchObject({ file: 'hello.txt', bytes: 11 });
    expect(last('tftp').node).toBeUndefined();
  });

  it("a DHCP answer ties the address to a node's MAC: TFTP and HTTP name that node", async () => {
    const n1 = nodes[1]!;
    bus.publish({ kind: 'dhcp', node: n1.id, message: 'ACK', mac: n1.nics[0]!.mac, ip: '127.0.0.1' });
    await settle();
    await execa('curl', ['-s', '-o', '/dev/null', `tftp://127.0.0.1:${tftpPort}/hello.txt`]);
    await execa('curl', ['-s', '-o', '/dev/null', `${httpBase}/files/hello.txt`]);
    await settle();
    expect(last('tftp').node).toBe(n1.id);
    expect(last('http')).toMatchObject({ node: n1.id, mac: n1.nics[0]!.mac, path: '/files/hello.txt' });
  });

  it("boot HTTP's /boot/<mac>.ipxe names the node and teaches its address to the TFTP events", async () => {
    const n0 = nodes[0]!;
    const mac = n0.nics[0]!.mac;
    await execa('curl', ['-s', '-o', '/dev/null', `${httpBase}/boot/${mac.replaceAll(':', '-')}.ipxe`]);
    await settle();
    expect(last('http')).toMatchObject({ node: n0.id, mac });
    await execa('curl', ['-s', '-o', '/dev/null', `tftp://127.0.0.1:${tftpPort}/hello.txt`]);
    await settle();
    expect(last('tftp').node).toBe(n0.id);
  });
});

describe('PeerNodes', () => {
  it('follows the driver: a removed node is no longer named; the address table stays bounded', async () => {
    const driver = new MemoryDriver({ nodes: demoNodes(1) });
    const bus = new EventBus();
    const peers = new PeerNodes(driver, bus);
    await peers.start();
    const [n] = await driver.list();
    peers.learn('::ffff:10.0.0.9', n!.nics[0]!.mac.toUpperCase());
    expect(peers.nodeOfIp('10.0.0.9')).toBe(n!.id);
    for (let i = 0; i < 10_001; i++) peers.learn(`10.1.${i >> 8}.${i & 255}`, '52:54:00:ff:ff:ff');
    expect(peers.nodeOfIp('10.0.0.9')).toBeUndefined();
    expect(peers.macOfIp('10.1.39.16')).toBe('52:54:00:ff:ff:ff');
    driver.removeNode(n!.id);
    await settle();
    expect(peers.nodeOfMac(n!.nics[0]!.mac)).toBeUndefined();
    peers.stop();
    await driver.close();
  });
});
