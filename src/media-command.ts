/**
 * `bmc-emu media insert NODE IMAGE [--wait]` and `bmc-emu media eject NODE`: virtual media of a running
 * `serve`, through its Redfish service. With --wait the download shows as a bar on a TTY (plain lines
 * otherwise), fed by the Redfish task's PercentComplete, until the image is inserted.
 */
import { errors, loadConfig } from '@bmc-emu/core';
import { type Command, Option } from 'commander';
import { configSchema } from './config-schema.js';
import { downloadView } from './download-view.js';
import { ExitCode } from './exit-codes.js';
import { redfishBase, redfishClient, type RedfishClient, redfishMessage } from './redfish-client.js';

interface MediaFlags {
  config?: string;
  stateDir?: string;
  redfishUrl?: string;
  user?: string;
  password?: string;
  slot: 'Cd' | 'UsbStick';
  wait?: boolean;
}

const POLL_MS = 250;
/** A download is followed at most this long (an 8 GiB image on a slow link). */
const MAX_WAIT_MS = 6 * 3600_000;

async function clientFor(f: MediaFlags): Promise<RedfishClient> {
  const config = await loadConfig({
    schema: configSchema,
    ...(f.config ? { file: f.config } : {}),
    overrides: f.stateDir ? { stateDir: f.stateDir } : {},
  });
  return redfishClient({
    base: f.redfishUrl ?? redfishBase(config),
    user: f.user ?? config.user,
    password: f.password ?? config.password,
    stateDir: config.stateDir,
  });
}

/** The system's path and name for a node given by UUID or name. */
async function systemOf(c: RedfishClient, node: string): Promise<{ path: string; name: string } | undefined> {
  let direct = await c.call('GET', `/redfish/v1/Systems/${encodeURIComponent(node)}`);
  // a node named by name is redirected to its UUID path
  const moved = direct.headers.location;
  if (direct.status >= 301 && direct.status <= 308 && typeof moved === 'string') direct = await c.call('GET', moved);
  if (direct.status === 200) {
    const b = direct.body as { '@odata.id': string; Name?: string };
    return { path: b['@odata.id'], name: b.Name ?? node };
  }
  if (direct.status !== 404) throw errors.internal(`Redfish answered ${direct.status}: ${redfishMessage(direct)}`);
  const all = await c.call('GET', '/redfish/v1/Systems');
  for (const m of (all.body as { Members?: Array<{ '@odata.id': string }> })?.Members ?? []) {
    const s = await c.call('GET', m['@odata.id']);
    const b = s.body as { Id?: string; Name?: string; UUID?: string };
    if (b?.Name === node || b?.UUID === node) return { path: m['@odata.id'], name: b.Name ?? node };
  }
  return undefined;
}

function fail(message: string): number {
  process.stderr.write(`bmc-emu: ${message}\n`);
  return ExitCode.Failure;
}

async function insert(node: string, image: string, f: MediaFlags): Promise<number> {
  const c = await clientFor(f);
  const sys = await systemOf(c, node);
  if (!sys) return fail(`no node ${node} at ${c.base}`);
  const view = downloadView({ out: process.stdout });
  const key = `${sys.name} ${image}`;
  const show = (percent: number) => view.update(key, key, { done: percent, total: 100, unit: 'percent' });
  show(0);
  try {
    const r = await c.call('POST', `${sys.path}/VirtualMedia/${f.slot}/Actions/VirtualMedia.InsertMedia`, {
      Image: image,
    });
    if (r.status === 204 || r.status === 200) {
      view.finish(key, { ok: true });
      return ExitCode.Ok;
    }
    if (r.status !== 202) {
      view.finish(key, { ok: false, error: redfishMessage(r) });
      return ExitCode.Failure;
    }
    const task = (r.body as { '@odata.id'?: string; PercentComplete?: number })?.['@odata.id'];
    if (!f.wait || !task) {
      view.stop();
      process.stdout.write(`insert of ${image} into ${sys.name} under way: ${task ?? r.headers.location}\n`);
      return ExitCode.Ok;
    }
    const end = Date.now() + MAX_WAIT_MS;
    while (Date.now() < end) {
      const t = await c.call('GET', task);
      const b = t.body as { TaskState?: string; PercentComplete?: number; Messages?: Array<{ Message?: string }> };
      if (b?.TaskState === 'Completed') {
        view.finish(key, { ok: true });
        return ExitCode.Ok;
      }
      if (b?.TaskState === 'Exception' || t.status >= 400) {
        const why = b?.Messages?.filter((m) => m.Message).at(-1)?.Message ?? redfishMessage(t);
        view.finish(key, { ok: false, error: why });
        return ExitCode.Failure;
      }
      show(b?.PercentComplete ?? 0);
      await new Promise((res) => setTimeout(res, POLL_MS));
    }
    view.finish(key, { ok: false, error: 'still downloading; gave up waiting' });
    return ExitCode.Failure;
  } finally {
    view.stop();
  }
}

async function eject(node: string, f: MediaFlags): Promise<number> {
  const c = await clientFor(f);
  const sys = await systemOf(c, node);
  if (!sys) return fail(`no node ${node} at ${c.base}`);
  const r = await c.call('POST', `${sys.path}/VirtualMedia/${f.slot}/Actions/VirtualMedia.EjectMedia`, {});
  if (r.status >= 300) return fail(redfishMessage(r));
  process.stdout.write(`ejected the ${f.slot} of ${sys.name}\n`);
  return ExitCode.Ok;
}

export function addMediaCommands(program: Command, onResult: (p: Promise<number>) => void): void {
  const media = program.command('media').description('virtual media of a running `bmc-emu serve` (through Redfish)');
  const common = (c: Command) =>
    c
      .option('-c, --config <file>', 'YAML config file (finds the Redfish port, TLS CA and account)')
      .option('--state-dir <dir>', 'state dir (default .bmc-emu)')
      .option('--redfish-url <url>', 'where serve answers Redfish (default from the config)')
      .option('--user <name>', 'Redfish account (default the config user)')
      .option('--password <pw>', 'its password')
      .addOption(new Option('--slot <slot>', 'media slot').choices(['Cd', 'UsbStick']).default('Cd'));
  common(media.command('insert <node> <image>').description('insert an image (http/https URL) into a node'))
    .option('--wait', 'wait until it is inserted, showing the download (a bar on a TTY)')
    .action((node: string, image: string, f: MediaFlags) => onResult(insert(node, image, f)));
  common(media.command('eject <node>').description("eject a node's media")).action((node: string, f: MediaFlags) =>
    onResult(eject(node, f)),
  );
}
