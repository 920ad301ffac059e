import { readFileSync } from 'node:fs';
import { BmcEmuError, createLogger, ErrorCode, isBmcEmuError, loadConfig } from '@bmc-emu/core';
import { ensureTls } from '@bmc-emu/redfish';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { addBmcCommands } from './bmc-command.js';
import { flagsToConfig, parseIntFlag, type ServeFlags } from './cli-options.js';
import { configSchema } from './config-schema.js';
import { createDriver } from './driver-factory.js';
import { hypervisorLines } from './hypervisor-lines.js';
import { ipmiPortsFor } from './ipmi-ports.js';
import { ExitCode } from './exit-codes.js';
import { addLabCommands } from './lab-command.js';
import { addMediaCommands } from './media-command.js';
import { startServer } from './serve.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function intArg(value: string): number {
  try {
    return parseIntFlag(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function collect(value: string, prev: string[] = []): string[] {
  return [...prev, value];
}

function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'YAML config file')
    .addOption(new Option('--driver <kind>', 'node driver').choices(['auto', 'memory', 'libvirt']))
    .option('--libvirt <uri>', 'libvirt URI (repeatable); implies --driver libvirt', collect)
    .option('--demo-nodes <n>', 'demo nodes of the memory driver', intArg)
    .option('--log-level <level>', 'trace|debug|info|warn|error|silent');
}

function exitCodeFor(err: unknown): number {
  if (isBmcEmuError(err, ErrorCode.ConfigInvalid) || isBmcEmuError(err, ErrorCode.InvalidArgument))
    return ExitCode.Usage;
  if (isBmcEmuError(err, ErrorCode.DriverUnavailable)) return ExitCode.DriverUnavailable;
  return ExitCode.Failure;
}

function report(err: unknown): number {
  const msg = err instanceof BmcEmuError ? `${err.code}: ${err.message}` : ((err as Error)?.stack ?? String(err));
  process.stderr.write(`bmc-emu: ${msg}\n`);
  return exitCodeFor(err);
}

async function serve(flags: ServeFlags): Promise<number> {
  const config = await loadConfig({
    schema: configSchema,
    ...(flags.config ? { file: flags.config } : {}),
    overrides: flagsToConfig(flags),
  });
  const server = await startServer(config, undefined, { progressOut: process.stdout });
  for (const line of server.lines) process.stdout.write(`${line}\n`);
  // Keep the process alive even when no front end holds a socket open.
  const keepAlive = setInterval(() => {}, 1 << 30);
  return new Promise<number>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      clearInterval(keepAlive);
      process.stdout.write(`bmc-emu: ${sig}, stopping\n`);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      server.stop().then(
        () => resolve(ExitCode.Ok),
        (err: unknown) => resolve(report(err)),
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function nodes(flags: ServeFlags & { json?: boolean }): Promise<number> {
  const config = await loadConfig({
    schema: configSchema,
    ...(flags.config ? { file: flags.config } : {}),
    overrides: flagsToConfig(flags),
  });
  const { driver, description } = await createDriver(config, createLogger({ level: 'warn', fd: 2 }));
  try {
    const list = await driver.list();
    const ipmiPort = await ipmiPortsFor(config);
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify(
          list.map((n, i) => ({ ...n, ipmi: ipmiPort(n, i) })),
          null,
          2,
        )}\n`,
      );
      return ExitCode.Ok;
    }
    const rows = list.map((n, i) => [
      n.name,
      n.id,
      n.powerState,
      n.nics.map((x) => x.mac).join(','),
      ipmiPort(n, i),
      n.boot.enabled === 'Disabled' ? '-' : `${n.boot.target}/${n.boot.enabled}`,
      ...(driver.hypervisors ? [n.hypervisor ?? '-'] : []),
    ]);
    const head = ['NAME', 'UUID', 'POWER', 'MACS', 'IPMI', 'BOOT', ...(driver.hypervisors ? ['HYPERVISOR'] : [])];
    const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    const fmt = (r: string[]) =>
      r
        .map((v, c) => v.padEnd(widths[c]!))
        .join('  ')
        .trimEnd();
    const hv = hypervisorLines(driver.hypervisors?.() ?? []);
    process.stdout.write(`${[fmt(head), ...rows.map(fmt), ...hv].join('\n')}\n`);
    process.stderr.write(`(${description})\n`);
    return ExitCode.Ok;
  } finally {
    await driver.close();
  }
}

/** `bmc-emu ca`: the Redfish CA certificate (generated on first use, like `serve` does), for bmcVerifyCA. */
async function ca(flags: ServeFlags): Promise<number> {
  const config = await loadConfig({
    schema: configSchema,
    ...(flags.config ? { file: flags.config } : {}),
    overrides: flagsToConfig(flags),
  });
  process.stdout.write((await ensureTls(config.stateDir, config.bind === '0.0.0.0' ? [] : [config.bind])).ca);
  return ExitCode.Ok;
}

export function buildProgram(onResult: (p: Promise<number>) => void): Command {
  const program = new Command('bmc-emu')
    .description('A rack of bare-metal servers on one libvirt host: Redfish, IPMI, DHCP, TFTP and boot HTTP.')
    .version(version(), '-V, --version')
    .exitOverride()
    .showHelpAfterError();

  addCommonOptions(
    program
      .command('serve')
      .description('serve every node over every enabled protocol until SIGINT/SIGTERM')
      .option('--bind <addr>', 'address to listen on (default 127.0.0.1)')
      .option('--redfish-port <n>', 'Redfish port (default 8000)', intArg)
      .option('--no-redfish', 'do not serve Redfish')
      .option('--no-tls', 'serve Redfish over plain HTTP')
      .option('--ipmi-base-port <n>', 'first IPMI UDP port, one per node (default 6230)', intArg)
      .option('--no-ipmi', 'do not serve IPMI')
      .option('--user <name>', 'BMC user (default admin)')
      .option('--password <pw>', 'BMC password (default password; required off loopback)')
      .option('--state-dir <dir>', 'where certificates, leases and caches live (default .bmc-emu)'),
  ).action((flags: ServeFlags) => onResult(serve(flags)));

  addCommonOptions(
    program.command('nodes').description('list the nodes the driver sees').option('--json', 'print JSON'),
  ).action((flags: ServeFlags & { json?: boolean }) => onResult(nodes(flags)));

  program
    .command('ca')
    .description("print the Redfish CA certificate (PEM), e.g. for install-config's bmcVerifyCA")
    .option('-c, --config <file>', 'YAML config file')
    .option('--state-dir <dir>', 'where certificates live (default .bmc-emu)')
    .action((flags: ServeFlags) => onResult(ca(flags)));

  addBmcCommands(program, onResult);
  addLabCommands(program, onResult);
  addMediaCommands(program, onResult);

  return program;
}

/** Entry point; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let result: Promise<number> = Promise.resolve(ExitCode.Ok);
  const program = buildProgram((p) => {
    result = p;
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    return report(err);
  }
  if (argv.length <= 2) {
    program.outputHelp();
    return ExitCode.Usage;
  }
  try {
    return await result;
  } catch (err) {
    return report(err);
  }
}
