import type { LabModel } from '../model.js';
import type { Rendered } from '../render/index.js';
import { checkInstallConfig } from './install-config.js';
import { checkLab, labKeyFor } from './lab.js';
import { checkOsImagesReachable, type ReachOptions } from './os-images.js';
import type { Violation } from './violation.js';

/** install-config `hosts[i].networkConfig...` comes from `hosts.<name>.networkConfigFile` of lab.yaml. */
function keyFor(r: Rendered, installPath: string): string {
  const nc = /^platform\.baremetal\.hosts\[(\d+)\]\.networkConfig/.exec(installPath);
  if (nc) {
    const platform = r.installConfig.platform as { baremetal?: { hosts?: { name?: string }[] } } | undefined;
    const name = platform?.baremetal?.hosts?.[Number(nc[1])]?.name;
    if (name) return `hosts.${name}.networkConfigFile`;
  }
  return labKeyFor(installPath);
}

const fromInstaller = (r: Rendered, vs: Violation[]): Violation[] =>
  vs.map((v) => ({ ...v, path: `${keyFor(r, v.path)} (install-config ${v.path})` }));

/**
 * Everything wrong with a lab before a file is written: lab.yaml rules (paths are lab.yaml keys) and the
 * installer's rules over the rendered install-config (path: the lab.yaml key, then the install-config field).
 */
export function validateRendered(m: LabModel, r: Rendered): Violation[] {
  return [...checkLab(m), ...fromInstaller(r, checkInstallConfig(r.installConfig))];
}

/** The same plus the installer's HEAD request on each OS image URL (what `render` and `up` run). */
export async function validateRenderedOnline(m: LabModel, r: Rendered, opts: ReachOptions = {}): Promise<Violation[]> {
  return [...validateRendered(m, r), ...fromInstaller(r, await checkOsImagesReachable(r.installConfig, opts))];
}
