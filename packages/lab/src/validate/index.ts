import type { LabModel } from '../model.js';
import type { Rendered } from '../render/index.js';
import { checkInstallConfig } from './install-config.js';
import { checkLab, labKeyFor } from './lab.js';
import type { Violation } from './violation.js';

/**
 * Everything wrong with a lab before a file is written: lab.yaml rules (paths are lab.yaml keys) and the
 * installer's rules over the rendered install-config (path: the lab.yaml key, then the install-config field).
 */
export function validateRendered(m: LabModel, r: Rendered): Violation[] {
  const fromInstaller = checkInstallConfig(r.installConfig).map((v) => ({
    ...v,
    path: `${labKeyFor(v.path)} (install-config ${v.path})`,
  }));
  return [...checkLab(m), ...fromInstaller];
}
