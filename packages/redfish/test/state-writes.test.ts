/** Accounts (password hashes) and chassis LEDs: a failed write is logged with the path and retried on the next change. */
import { readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AccountStore } from '../src/accounts.js';
import { ChassisStore } from '../src/chassis-store.js';
import { blockedPath } from '../../../test/support/blocked-path.js';
import { logCapture } from '../../../test/support/log-capture.js';
import { tempDirs } from '../../../test/support/temp-dirs.js';

const tempDir = tempDirs();

describe('Redfish state files', () => {
  it('accounts: the failed write is logged with the path, the next change writes every account (0600)', async () => {
    const { path, unblock } = await blockedPath(await tempDir('bmcemu-rf-state-'), 'accounts.json');
    const { logger, lines } = logCapture();
    const store = new AccountStore({ userName: 'admin', password: 'sekrit-pw' }, path, logger);
    await store.flush();
    expect(lines.find((l) => l.level === 50)).toMatchObject({ path, what: 'Redfish accounts' });
    expect(JSON.stringify(lines)).not.toContain('sekrit-pw');
    await unblock();
    store.create('operator', 'op-secret-1', 'Operator');
    await store.flush();
    const saved = JSON.parse(await readFile(path, 'utf8')) as { accounts: Array<{ userName: string; hash: string }> };
    expect(saved.accounts.map((a) => a.userName)).toEqual(['admin', 'operator']);
    expect(saved.accounts[1]?.hash).toMatch(/^[0-9a-f]+$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(new AccountStore({ userName: 'admin', password: 'sekrit-pw' }, path).byName('operator')).toBeDefined();
  });

  it('chassis LEDs: the failed write is logged with the path, the next change writes the latest state', async () => {
    const { path, unblock } = await blockedPath(await tempDir('bmcemu-rf-state-'), 'chassis.json');
    const { logger, lines } = logCapture();
    const store = new ChassisStore(path, logger);
    store.set('node-a', { indicatorLed: 'Lit' });
    await store.flush();
    expect(lines.find((l) => l.level === 50)).toMatchObject({ path, what: 'chassis LEDs' });
    await unblock();
    store.set('node-b', { indicatorLed: 'Blinking' });
    await store.flush();
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      'node-a': { indicatorLed: 'Lit' },
      'node-b': { indicatorLed: 'Blinking' },
    });
    expect(new ChassisStore(path).get('node-a')).toEqual({ indicatorLed: 'Lit' });
  });
});
