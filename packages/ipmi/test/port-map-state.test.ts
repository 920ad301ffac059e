/** The IPMI port map: a failed write is logged with the path and retried on the next change. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PortMap } from '../src/port-map.js';
import { blockedPath } from '../../../test/support/blocked-path.js';
import { logCapture } from '../../../test/support/log-capture.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';

const tempDir = tempDirs();

describe('PortMap state file', () => {
  it('logs a failed write with the path and writes every slot on the next change', async () => {
    const { path, unblock } = await blockedPath(await tempDir('bmcemu-ipmi-state-'), 'ipmi-ports.json');
    const { logger, lines } = logCapture();
    const map = new PortMap(path, '127.0.0.1:6230', logger);
    map.set('node-a', { address: '127.0.0.1', port: 6230 });
    await map.flush();
    expect(lines.find((l) => l.level === 50)).toMatchObject({ path, what: 'IPMI port map' });
    await unblock();
    map.set('node-b', { address: '127.0.0.1', port: 6231 });
    await map.flush();
    const again = new PortMap(path, '127.0.0.1:6230');
    await again.load();
    expect(again.get('node-a')).toEqual({ address: '127.0.0.1', port: 6230 });
    expect(again.get('node-b')).toEqual({ address: '127.0.0.1', port: 6231 });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ base: '127.0.0.1:6230' });
  });
});
