/** `bmc-emu bmc list|show|add|set|delete|start|stop` (vbmc's verbs) and `bmc-emu import vbmc|sushy`. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, writeFileAtomic } from '@bmc-emu/core';
import {
  type BmcManagement,
  type BmcPatch,
  type BmcRecord,
  checkRegistry,
  connectManagement,
  importSushyConfig,
  importVbmcTree,
  type ImportNote,
  nextFreePort,
  RegistryStore,
  managementPaths,
  shown,
} from '@bmc-emu/manage';
import { type Command, InvalidArgumentError } from 'commander';
import { stringify } from 'yaml';
import { configSchema } from './config-schema.js';
import { ExitCode } from './exit-codes.js';

interface StateFlags {
  config?: string;
  stateDir?: string;
  json?: boolean;
}
interface BmcFlags extends StateFlags {
  port?: number;
  address?: string;
  username?: string;
  password?: string;
  libvirtUri?: string;
  memory?: boolean;
  cpus?: number;
  memoryMib?: number;
  inactive?: boolean;
  showPasswords?: boolean;
}

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`not a whole number: ${value}`);
  return n;
}

async function configFor(flags: StateFlags) {
  return loadConfig({
    schema: configSchema,
    ...(flags.config ? { file: flags.config } : {}),
    overrides: flags.stateDir ? { stateDir: flags.stateDir } : {},
  });
}

async function management(flags: StateFlags): Promise<{ m: BmcManagement; basePort: number }> {
  const config = await configFor(flags);
  return { m: await connectManagement(config.stateDir), basePort: config.ipmi.basePort };
}

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((v, c) => v.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

function applied(m: BmcManagement): string {
  return m.mode === 'live' ? 'applied to the running server' : 'saved; applied when `bmc-emu serve` starts';
}

function notesText(notes: ImportNote[]): string {
  return notes.map((n) => `  - ${n.key} (${n.where}): ${n.why}`).join('\n');
}

export function addBmcCommands(program: Command, onResult: (p: Promise<number>) => void): void {
  const bmc = program.command('bmc').description('manage the BMCs bmc-emu serves, like vbmc (changes apply live)');
  const common = (c: Command) =>
    c
      .option('-c, --config <file>', 'YAML config file')
      .option('--state-dir <dir>', 'state dir (default .bmc-emu)')
      .option('--json', 'print JSON');

  common(bmc.command('list').description('every BMC in the registry'))
    .option('--show-passwords', 'show passwords')
    .action((f: BmcFlags) =>
      onResult(
        (async () => {
          const { m } = await management(f);
          const reg = await m.list();
          if (f.json)
            return (
              out(
                JSON.stringify(
                  reg.bmcs.map((b) => shown(b, f.showPasswords)),
                  null,
                  2,
                ),
              ),
              ExitCode.Ok
            );
          const status = (b: BmcRecord) => (!b.active ? 'down' : m.mode === 'live' ? 'running' : 'active (no server)');
          out(
            table(
              ['DOMAIN', 'STATUS', 'ADDRESS', 'PORT', 'USER'],
              reg.bmcs.map((b) => [
                b.node,
                status(b),
                b.ipmi.address ?? '::',
                String(b.ipmi.port),
                b.user ?? '(server account)',
              ]),
            ),
          );
          return ExitCode.Ok;
        })(),
      ),
    );

  common(bmc.command('show <node>').description("one BMC's settings"))
    .option('--show-passwords', 'show the password')
    .action((node: string, f: BmcFlags) =>
      onResult(
        (async () => {
          const { m } = await management(f);
          const b = (await m.list()).bmcs.find((x) => x.node === node);
          if (!b) {
            process.stderr.write(`bmc-emu: no BMC "${node}" (\`bmc-emu bmc list\`)\n`);
            return ExitCode.Failure;
          }
          const s = shown(b, f.showPasswords);
          if (f.json) return (out(JSON.stringify(s, null, 2)), ExitCode.Ok);
          out(
            table(
              ['PROPERTY', 'VALUE'],
              [
                ['domain_name', s.node],
                ['active', String(s.active)],
                ['address', s.ipmi.address ?? '::'],
                ['port', String(s.ipmi.port)],
                ['username', s.user ?? '(server account)'],
                ['password', s.password ?? '(server account)'],
                ['libvirt_uri', s.libvirtUri ?? '(server default)'],
                ...(s.memory ? [['memory node', `${s.memory.cpus} CPUs, ${s.memory.memoryMib} MiB`]] : []),
              ],
            ),
          );
          return ExitCode.Ok;
        })(),
      ),
    );

  const endpointOptions = (c: Command) =>
    c
      .option('--port <n>', 'IPMI UDP port', int)
      .option('--address <addr>', 'IPMI address to bind (default: the server bind address)')
      .option('--username <name>', "this BMC's user (default: the server's account)")
      .option('--password <pw>', "this BMC's password")
      .option('--libvirt-uri <uri>', 'the hypervisor the domain lives on');

  endpointOptions(
    common(bmc.command('add <node>').description('serve a BMC for a domain (or, with --memory, a new memory node)')),
  )
    .option('--memory', 'create the node in the memory driver (no libvirt)')
    .option('--cpus <n>', 'with --memory: vCPUs (default 2)', int)
    .option('--memory-mib <n>', 'with --memory: RAM in MiB (default 2048)', int)
    .option('--inactive', 'add it stopped (`bmc start` later)')
    .action((node: string, f: BmcFlags) =>
      onResult(
        (async () => {
          const { m, basePort } = await management(f);
          const reg = await m.list();
          const record: BmcRecord = {
            node,
            ipmi: {
              port: f.port ?? nextFreePort(reg, basePort, f.address),
              ...(f.address ? { address: f.address } : {}),
            },
            active: !f.inactive,
            ...(f.username !== undefined ? { user: f.username } : {}),
            ...(f.password !== undefined ? { password: f.password } : {}),
            ...(f.libvirtUri ? { libvirtUri: f.libvirtUri } : {}),
            ...(f.memory ? { memory: { cpus: f.cpus ?? 2, memoryMib: f.memoryMib ?? 2048 } } : {}),
          };
          await m.add(record);
          out(`bmc ${node}: IPMI port ${record.ipmi.port}; ${applied(m)}`);
          return ExitCode.Ok;
        })(),
      ),
    );

  endpointOptions(common(bmc.command('set <node>').description("change a BMC's port, address or account"))).action(
    (node: string, f: BmcFlags) =>
      onResult(
        (async () => {
          const { m } = await management(f);
          const patch: BmcPatch = {
            ...(f.username !== undefined ? { user: f.username } : {}),
            ...(f.password !== undefined ? { password: f.password } : {}),
            ...(f.libvirtUri !== undefined ? { libvirtUri: f.libvirtUri } : {}),
            ...(f.port !== undefined || f.address !== undefined
              ? {
                  ipmi: {
                    ...(f.port !== undefined ? { port: f.port } : {}),
                    ...(f.address !== undefined ? { address: f.address } : {}),
                  },
                }
              : {}),
          };
          await m.set(node, patch);
          out(`bmc ${node}: ${applied(m)}`);
          return ExitCode.Ok;
        })(),
      ),
  );

  for (const [verb, what] of [
    ['delete', 'stop serving a BMC and forget it'],
    ['start', 'start answering on its endpoint'],
    ['stop', 'stop answering (kept in the registry)'],
  ] as const) {
    common(bmc.command(`${verb} <node>`).description(what)).action((node: string, f: BmcFlags) =>
      onResult(
        (async () => {
          const { m } = await management(f);
          await m[verb](node);
          out(
            `bmc ${node}: ${verb === 'delete' ? 'deleted' : verb === 'start' ? 'started' : 'stopped'}; ${applied(m)}`,
          );
          return ExitCode.Ok;
        })(),
      ),
    );
  }

  const imp = program
    .command('import')
    .description('migrate from vbmc or sushy-tools, keeping ports, addresses and accounts');
  common(imp.command('vbmc [dir]').description("read vbmc's config tree (default ~/.vbmc) into the BMC registry"))
    .option('--dry-run', 'print what would be imported; change nothing')
    .action((dir: string | undefined, f: StateFlags & { dryRun?: boolean }) =>
      onResult(
        (async () => {
          const result = await importVbmcTree(dir ?? join(homedir(), '.vbmc'));
          if (f.json || f.dryRun) {
            out(JSON.stringify({ bmcs: result.bmcs.map((b) => shown(b)), notes: result.notes }, null, 2));
            if (f.dryRun) return ExitCode.Ok;
          }
          const { m } = await management(f);
          // All or nothing: a clash with a BMC already registered stops the import before anything is added.
          checkRegistry({ version: 1, bmcs: [...(await m.list()).bmcs, ...result.bmcs] });
          for (const b of result.bmcs) await m.add(b);
          if (!f.json) {
            out(
              `imported ${result.bmcs.length} BMC(s) from vbmc (${result.bmcs.map((b) => `${b.node}:${b.ipmi.port}`).join(', ')}); ${applied(m)}`,
            );
            if (result.notes.length) out(`not carried over:\n${notesText(result.notes)}`);
          }
          return ExitCode.Ok;
        })(),
      ),
    );

  common(imp.command('sushy <file>').description("turn sushy-tools' emulator.conf into a bmc-emu config file"))
    .option('--out <file>', 'write the config here (default: print it)')
    .option('--dry-run', 'print the config and notes; write nothing')
    .action((file: string, f: StateFlags & { out?: string; dryRun?: boolean }) =>
      onResult(
        (async () => {
          const config = await configFor(f);
          const result = await importSushyConfig(file, { ipmiBasePort: config.ipmi.basePort });
          const yaml = stringify(result.config);
          if (f.json) out(JSON.stringify(result, null, 2));
          else if (!f.out || f.dryRun) out(yaml);
          if (f.dryRun) return ExitCode.Ok;
          if (f.out) await writeFileAtomic(f.out, yaml);
          if (result.bmcs.length) {
            const store = new RegistryStore(managementPaths(result.config.stateDir ?? config.stateDir).registry);
            await store.update((reg) => {
              for (const b of result.bmcs) if (!reg.bmcs.some((x) => x.node === b.node)) reg.bmcs.push(b);
            });
          }
          if (!f.json) {
            process.stderr.write(
              `accounts kept from the htpasswd file: ${result.accounts.users.join(', ') || 'none'}\n`,
            );
            const notes = [...result.accounts.refused, ...result.notes];
            if (notes.length) process.stderr.write(`not carried over:\n${notesText(notes)}\n`);
          }
          return ExitCode.Ok;
        })(),
      ),
    );
}
