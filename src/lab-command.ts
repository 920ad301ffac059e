import { type Command, InvalidArgumentError } from 'commander';
import { parseIntFlag } from './cli-options.js';
import { labDownCmd, labPlanCmd, type LabRunFlags, labStatusCmd, labUpCmd } from './lab-libvirt.js';
import { labCheck, labInit, labRender } from './lab-render.js';

function intArg(value: string): number {
  try {
    return parseIntFlag(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function sizeOptions(cmd: Command): Command {
  return cmd
    .option('--memory <MiB>', 'memory of every VM, overriding lab.yaml', intArg)
    .option('--disk <GiB>', 'size of every disk, overriding lab.yaml', intArg);
}

/** `bmc-emu lab ...`: the IPI/UPI lab from one lab.yaml (packages/lab). */
export function addLabCommands(program: Command, onResult: (p: Promise<number>) => void): void {
  const lab = program.command('lab').description('build an OpenShift IPI/UPI lab on libvirt from one lab.yaml');

  sizeOptions(
    lab
      .command('init')
      .description('write a commented default lab.yaml (a compact 3-node IPI lab)')
      .option('-o, --out <file>', 'where to write it', 'lab.yaml')
      .option('--force', 'overwrite an existing file'),
  ).action((flags: { out?: string; force?: boolean; memory?: number; disk?: number }) => onResult(labInit(flags)));

  sizeOptions(
    lab
      .command('render')
      .description('write install-config.yaml, nodes.json, manifests and libvirt XML without touching libvirt')
      .option('-c, --config <file>', 'lab.yaml', 'lab.yaml')
      .option('--out <dir>', 'output directory', 'lab-out'),
  ).action((flags: { config?: string; out?: string; memory?: number; disk?: number }) => onResult(labRender(flags)));

  sizeOptions(
    lab
      .command('plan')
      .description('print what `lab up` would create, change or leave; changes nothing')
      .option('-c, --config <file>', 'lab.yaml', 'lab.yaml')
      .option('--json', 'print the steps as JSON'),
  ).action((flags: LabRunFlags) => onResult(labPlanCmd(flags)));

  sizeOptions(
    lab
      .command('up')
      .description('create or converge the lab: networks, pool, disks, VMs (powered off), install-config.yaml')
      .option('-c, --config <file>', 'lab.yaml', 'lab.yaml')
      .option('--out <dir>', 'where install-config.yaml, nodes.json and manifests go', 'lab-out')
      .option(
        '--serve-state-dir <dir>',
        "register the lab's BMCs with the serve of this --state-dir and report progress to it (default bmc.serveStateDir; live when it runs)",
      )
      .option('--install', 'then run openshift-baremetal-install --dir <out> create cluster (when on PATH)')
      .option(
        '--serve',
        'start `bmc-emu serve` for the lab in the background when none answers on bmc.host:redfishPort',
      )
      .option('--json', 'progress as JSON lines'),
  ).action((flags: LabRunFlags) => onResult(labUpCmd(flags)));

  lab
    .command('status')
    .description('one line per node: hypervisor, power, boot override, media, MAC, leased IP, BMC address, last boot')
    .option('-c, --config <file>', 'lab.yaml', 'lab.yaml')
    .option('--json', 'print JSON')
    .action((flags: LabRunFlags) => onResult(labStatusCmd(flags)));

  sizeOptions(
    lab
      .command('down')
      .description('remove exactly what `lab up` made')
      .option('-c, --config <file>', 'lab.yaml', 'lab.yaml')
      .option('--keep-disks', 'keep the volumes (and the pool)')
      .option('--serve-state-dir <dir>', 'the `bmc-emu serve --state-dir` to report progress to')
      .option('--json', 'progress as JSON lines'),
  ).action((flags: LabRunFlags) => onResult(labDownCmd(flags)));

  lab
    .command('check')
    .description("validate any install-config.yaml by the installer's platform.baremetal rules")
    .argument('<file>', 'install-config.yaml')
    .option('--bridges', 'also require externalBridge/provisioningBridge to exist on this host')
    .option('--offline', 'skip the HEAD request on bootstrapOSImage/clusterOSImage')
    .action((file: string, flags: { bridges?: boolean; offline?: boolean }) => onResult(labCheck(file, flags)));
}
