import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic, errors } from '@bmc-emu/core';
import type { LabModel } from '@bmc-emu/lab';

const BIN = fileURLToPath(new URL('../../bin/bmc-emu.js', import.meta.url));

function answers(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.once('timeout', () => done(false));
  });
}

const pidFile = (m: LabModel) => join(m.lab.stateDir, 'serve.pid');

/** The state dir of the serve `lab up --serve` starts. */
export const labServeStateDir = (m: LabModel) => join(m.lab.stateDir, 'serve');

/**
 * `lab up --serve`: when nothing answers on bmc.host:redfishPort, start `bmc-emu serve` in the background
 * for the lab's hypervisors (`up` registered the lab's BMCs in its state dir first, so its IPMI ports and
 * accounts match install-config), log in <stateDir>/serve.log.
 * Its pid is kept in <stateDir>/serve.pid for `lab down`. Returns a line for the user.
 */
export async function ensureServe(m: LabModel): Promise<string> {
  const { host, redfishPort, ipmiBasePort, tls, username, password } = { ...m.lab.bmc, host: m.bmcHost };
  if (await answers(host, redfishPort)) return `serve: something already answers on ${host}:${redfishPort}; using it`;
  const stateDir = labServeStateDir(m);
  const log = openSync(join(m.lab.stateDir, 'serve.log'), 'a');
  const args = [
    BIN,
    'serve',
    ...m.hypervisors.flatMap((h) => ['--libvirt', h.uri]),
    '--bind',
    host,
    '--redfish-port',
    String(redfishPort),
    '--ipmi-base-port',
    String(ipmiBasePort),
    '--user',
    username,
    '--password',
    password,
    '--state-dir',
    stateDir,
    ...(tls ? [] : ['--no-tls']),
  ];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  await writeFileAtomic(pidFile(m), `${child.pid}\n`);
  for (let i = 0; i < 150; i++) {
    if (await answers(host, redfishPort))
      return `serve: started (pid ${child.pid}), log ${join(m.lab.stateDir, 'serve.log')}`;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw errors.timeout(
    `bmc-emu serve did not come up on ${host}:${redfishPort}; see ${join(m.lab.stateDir, 'serve.log')}`,
  );
}

/** `lab down`: stop the serve `lab up --serve` started (by its recorded pid), if it still runs. */
export async function stopServe(m: LabModel): Promise<string | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile(m), 'utf8')).trim());
  } catch {
    return undefined;
  }
  try {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50; i++) {
      process.kill(pid, 0);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch {
    // gone
  }
  await rm(pidFile(m), { force: true });
  return `serve: stopped (pid ${pid})`;
}
