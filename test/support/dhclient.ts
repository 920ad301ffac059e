/**
 * ISC dhclient in the foreground (-d -1) inside a test-made namespace, with a test-written script that appends
 * one line per event to a log, its own config, lease and pid files in the test's dir.
 */
import type { ChildProcess } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sleep } from '../../packages/dhcp/test/netns-harness.js';
import type { NetNs } from './netns.js';

export interface Dhclient {
  proc: ChildProcess;
  /** The script's log: one `<reason> <logFields>` line per event. */
  log: string;
}

export async function startDhclient(
  ns: NetNs,
  ifc: string,
  o: {
    dir: string;
    /** Distinguishes this run's files in `dir`. */
    name: string;
    /** dhclient.conf body. */
    conf: string;
    /** What the script logs after `$reason`, e.g. `ip=$new_ip_address`. */
    logFields: string;
    /** Shell run by the script on BOUND, RENEW, REBIND and REBOOT. */
    onBound?: string;
    /** The lease file it starts with. */
    leases?: string;
  },
): Promise<Dhclient> {
  const file = (ext: string) => join(o.dir, `dhclient-${o.name}.${ext}`);
  const log = file('log');
  await writeFile(
    file('sh'),
    `#!/bin/sh
echo "$reason ${o.logFields}" >> "${log}"
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT)
    ${o.onBound ?? ':'} ;;
esac
exit 0
`,
  );
  await chmod(file('sh'), 0o755);
  await writeFile(file('conf'), o.conf);
  await writeFile(file('leases'), o.leases ?? '');
  const args = ['-d', '-1', '-v', '-cf', file('conf'), '-sf', file('sh'), '-lf', file('leases'), '-pf', file('pid')];
  return { proc: ns.spawn('dhclient', [...args, ifc]), log };
}

/** Wait until `path` matches `re`; returns its text. */
export async function waitFile(path: string, re: RegExp, ms = 25_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const body = await readFile(path, 'utf8').catch(() => '');
    if (re.test(body)) return body;
    if (Date.now() > until) throw new Error(`${path} never matched ${re}:\n${body}`);
    await sleep(100);
  }
}
