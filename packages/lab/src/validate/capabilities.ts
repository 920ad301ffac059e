import { arr, isObj, type Obj, str } from './obj.js';
import type { Violation } from './violation.js';

/**
 * `capabilities` (baselineCapabilitySet, additionalEnabledCapabilities): the installer's rules in
 * pkg/types/validation/installconfig.go (validateCapabilities and the block after it in
 * ValidateInstallConfig), over the sets of openshift/api config/v1 types_cluster_version.go.
 */

const V411 = ['baremetal', 'marketplace', 'openshift-samples', 'MachineAPI'];
const V412 = [...V411, 'Console', 'Insights', 'Storage', 'CSISnapshot'];
const V413 = [...V412, 'NodeTuning'];
const V414 = [...V413, 'Build', 'DeploymentConfig', 'ImageRegistry'];
const V415 = [...V414, 'OperatorLifecycleManager', 'CloudCredential'];
const V416 = [...V415, 'Ingress', 'CloudControllerManager'];
const V418 = [...V416, 'OperatorLifecycleManagerV1'];

/** ClusterVersionCapabilitySets: baseline name -> the capabilities it enables. */
export const CAPABILITY_SETS: Readonly<Record<string, readonly string[]>> = {
  None: [],
  'v4.11': V411,
  'v4.12': V412,
  'v4.13': V413,
  'v4.14': V414,
  'v4.15': V415,
  'v4.16': V416,
  'v4.17': V416,
  'v4.18': V418,
  vCurrent: V418,
};
export const BASELINE_CAPABILITY_SETS = Object.keys(CAPABILITY_SETS);
/** KnownClusterVersionCapabilities (the union of every set). */
export const KNOWN_CAPABILITIES = [...new Set(Object.values(CAPABILITY_SETS).flat())];

const quoted = (xs: readonly string[]) =>
  [...xs]
    .sort()
    .map((x) => `"${x}"`)
    .join(', ');

/** The capabilities a cluster gets: the baseline (vCurrent when unset) plus the additional ones. */
export function enabledCapabilities(doc: Obj): Set<string> {
  if (!isObj(doc.capabilities)) return new Set(CAPABILITY_SETS.vCurrent);
  const c = doc.capabilities;
  const base = str(c.baselineCapabilitySet) || 'vCurrent';
  return new Set([...(CAPABILITY_SETS[base] ?? []), ...arr(c.additionalEnabledCapabilities).map(String)]);
}

export function checkCapabilities(doc: Obj, out: Violation[]): void {
  if (doc.capabilities === undefined || doc.capabilities === null) return;
  if (!isObj(doc.capabilities)) {
    out.push({
      path: 'capabilities',
      value: doc.capabilities,
      message: 'not a mapping',
      fix: 'write capabilities: { baselineCapabilitySet: vCurrent, additionalEnabledCapabilities: [...] }',
    });
    return;
  }
  const c = doc.capabilities;
  const baseline = c.baselineCapabilitySet === undefined ? '' : String(c.baselineCapabilitySet);
  if (!BASELINE_CAPABILITY_SETS.includes(baseline)) {
    out.push({
      path: 'capabilities.baselineCapabilitySet',
      value: c.baselineCapabilitySet,
      message: `Unsupported value: "${baseline}": supported values: ${quoted(BASELINE_CAPABILITY_SETS)}`,
      fix: 'use vCurrent (everything), None (only what additionalEnabledCapabilities lists) or a v4.x set',
    });
  }
  const additional = arr(c.additionalEnabledCapabilities).map(String);
  additional.forEach((cap, i) => {
    if (!KNOWN_CAPABILITIES.includes(cap)) {
      out.push({
        path: `capabilities.additionalEnabledCapabilities[${i}]`,
        value: cap,
        message: `Unsupported value: "${cap}": supported values: ${quoted(KNOWN_CAPABILITIES)}`,
        fix: 'spell the capability as the installer does (names are case-sensitive)',
      });
    }
  });
  const enabled = enabledCapabilities(doc);
  // the installer reports these two at `additionalEnabledCapabilities`; we name the field where it lives
  const path = 'capabilities.additionalEnabledCapabilities';
  if (
    baseline === 'None' &&
    isObj(doc.platform) &&
    isObj(doc.platform.baremetal) &&
    !additional.includes('baremetal')
  ) {
    out.push({
      path,
      value: additional,
      message: 'platform baremetal requires the baremetal capability',
      fix: 'add baremetal to additionalEnabledCapabilities',
    });
  }
  if (enabled.has('marketplace') && !enabled.has('OperatorLifecycleManager')) {
    out.push({
      path,
      value: additional,
      message: 'the marketplace capability requires the OperatorLifecycleManager capability',
      fix: 'add OperatorLifecycleManager, or drop marketplace',
    });
  }
  if (!enabled.has('Ingress')) {
    out.push({
      path: 'capabilities',
      value: c,
      message: 'the Ingress capability is required',
      fix: 'add Ingress to additionalEnabledCapabilities (or use a baseline of v4.16 or later)',
    });
  }
}
