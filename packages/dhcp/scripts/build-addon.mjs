// npm install hook: build native/bind_device.c (SO_BINDTODEVICE) with node-gyp.
// Uses the headers that ship beside the running node (<prefix>/include/node) so no download is needed,
// unless npm's nodedir says otherwise. A failed build does not fail the install: DHCP still runs on all
// interfaces, a configured `interface` fails at start with a clear error, and the package's test
// "bind_device native addon is built" fails loudly.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = ['rebuild'];
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/common.gypi'))) {
  args.push(`--nodedir=${prefix}`);
}
const r = spawnSync('node-gyp', args, { cwd: pkg, stdio: 'inherit', shell: process.platform === 'win32' });
if (r.status !== 0) {
  console.warn(
    '\n*** @bmc-emu/dhcp: the bind_device addon did not build (needs python3, make and a C compiler). ' +
      'Per-interface DHCP (dhcp.interface) will refuse to start until `npm rebuild @bmc-emu/dhcp` succeeds. ***\n',
  );
}
