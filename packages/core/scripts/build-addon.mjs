// npm install hook shared by the packages that carry a native addon (@bmc-emu/dhcp, @bmc-emu/tftp):
// their install script finds this file beside the @bmc-emu/core it resolves (it is not an export) and it
// builds the binding.gyp of the package npm is installing (the current directory) with node-gyp. Uses the
// headers that ship beside the running node (<prefix>/include/node) so no download is needed, unless npm's nodedir says otherwise. A failed build does
// not fail the install: each package runs without its addon (and says what that costs), and its test
// "<addon> native addon is built" fails loudly.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const pkgDir = process.cwd();
let name = pkgDir;
try {
  name = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).name ?? pkgDir;
} catch {}
const args = ['rebuild'];
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/common.gypi'))) {
  args.push(`--nodedir=${prefix}`);
}
const r = spawnSync('node-gyp', args, { cwd: pkgDir, stdio: 'inherit', shell: process.platform === 'win32' });
if (r.status !== 0) {
  console.warn(
    `\n*** ${name}: the native addon did not build (needs python3, make and a C compiler). ` +
      `The package runs without it (see its docs for what that turns off) until \`npm rebuild ${name}\` succeeds. ***\n`,
  );
}
