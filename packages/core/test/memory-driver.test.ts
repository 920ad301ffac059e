import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demoNodes, MemoryDriver, makeNode, waitForPower } from '../src/index.js';
import { driverContract } from './contract/driver-contract.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';

const tempDir = tempDirs();

async function isoFile(): Promise<string> {
  const dir = await tempDir('bmcemu-iso-');
  const p = join(dir, 'test.iso');
  await writeFile(p, Buffer.alloc(64 * 1024, 1));
  return p;
}

describe('memory driver: NodeDriver contract', () => {
  driverContract(async () => {
    const driver = new MemoryDriver({ nodes: demoNodes(2), transitionMs: 20 });
    const [n] = await driver.list();
    return { driver, nodeId: n!.id, isoPath: await isoFile(), cleanup: () => driver.close() };
  });
});

describe('memory driver specifics', () => {
  it('demo nodes have stable ids, names and distinct MACs', () => {
    const a = demoNodes(3);
    const b = demoNodes(3);
    expect(a.map((n) => n.id)).toEqual(b.map((n) => n.id));
    expect(new Set(a.map((n) => n.nics[0]!.mac)).size).toBe(3);
    expect(a.map((n) => n.name)).toEqual(['node-0', 'node-1', 'node-2']);
  });

  it('goes through PoweringOn before On', async () => {
    const d = new MemoryDriver({ nodes: demoNodes(1), transitionMs: 50 });
    const [n] = await d.list();
    const seen: string[] = [];
    d.watch((e) => seen.push(e.node!.powerState));
    await d.power(n!.id, 'On');
    await waitForPower(d, n!.id, 'On', 5000);
    expect(seen).toEqual(['PoweringOn', 'On']);
    await d.close();
  });

  it('serializes operations per node', async () => {
    const d = new MemoryDriver({ nodes: demoNodes(1), transitionMs: 0 });
    const [n] = await d.list();
    const order: string[] = [];
    d.watch((e) => order.push(`${e.type}:${e.node?.powerState}`));
    await Promise.all([d.power(n!.id, 'On'), d.power(n!.id, 'ForceOff'), d.power(n!.id, 'On')]);
    expect(order).toEqual([
      'power:PoweringOn',
      'power:On',
      'power:PoweringOff',
      'power:Off',
      'power:PoweringOn',
      'power:On',
    ]);
    await d.close();
  });

  it('takes media from a stream', async () => {
    const dir = await tempDir('bmcemu-media-');
    const d = new MemoryDriver({ nodes: demoNodes(1), mediaDir: dir });
    const [n] = await d.list();
    await d.insertMedia(n!.id, 'UsbStick', {
      kind: 'stream',
      stream: Readable.from([Buffer.from('hello')]),
      image: 'x',
    });
    const m = (await d.get(n!.id)).media.find((x) => x.slot === 'UsbStick')!;
    expect(await readFile(m.path!, 'utf8')).toBe('hello');
    await d.close();
  });

  it('persists state atomically and reloads it', async () => {
    const dir = await tempDir('bmcemu-state-');
    const stateFile = join(dir, 'nodes.json');
    const d = new MemoryDriver({ nodes: demoNodes(1), transitionMs: 0, stateFile });
    const [n] = await d.list();
    await d.setBootOverride(n!.id, { target: 'Pxe', enabled: 'Continuous' });
    await d.close();
    const d2 = new MemoryDriver({ stateFile });
    await d2.load();
    expect((await d2.get(n!.id)).boot).toMatchObject({ target: 'Pxe', enabled: 'Continuous' });
    await d2.close();
  });

  it('adds and removes nodes with events', async () => {
    const d = new MemoryDriver();
    const seen: string[] = [];
    d.watch((e) => seen.push(e.type));
    const n = d.addNode(makeNode({ name: 'extra' }));
    expect(() => d.addNode(makeNode({ name: 'extra' }))).toThrow(/exists already/);
    d.removeNode(n.id);
    expect(seen).toEqual(['added', 'removed']);
    await d.close();
  });

  it('its console echoes typed input', async () => {
    const d = new MemoryDriver({ nodes: demoNodes(1) });
    const con = await d.openConsole(demoNodes(1)[0]!.id);
    let out = '';
    con.on('data', (c: Buffer) => {
      out += c.toString();
    });
    con.write('hello\r');
    await new Promise((r) => setTimeout(r, 10));
    expect(out).toContain('received: hello');
    con.end();
    await d.close();
  });
});
