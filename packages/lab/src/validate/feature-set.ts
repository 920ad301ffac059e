import { arr, type Obj, str } from './obj.js';
import type { Violation } from './violation.js';

/**
 * `featureSet` / `featureGates`. Ported from openshift/installer pkg/types/validation/installconfig.go (its
 * feature-gate checks; messages as its installconfig_test.go expects them: "featureGates can only be used
 * with the CustomNoUpgrade feature set", "must match the format <feature-name>=<bool>").
 */
const FEATURE_SETS = ['', 'Default', 'TechPreviewNoUpgrade', 'DevPreviewNoUpgrade', 'CustomNoUpgrade'];

export function checkFeatureSet(doc: Obj, out: Violation[]): void {
  const set = str(doc.featureSet) ?? '';
  if (doc.featureSet !== undefined && !FEATURE_SETS.includes(set)) {
    out.push({
      path: 'featureSet',
      value: doc.featureSet,
      message: `Unsupported value: "${set}": supported values: ${FEATURE_SETS.slice(1)
        .map((s) => `"${s}"`)
        .join(', ')}`,
      fix: 'use TechPreviewNoUpgrade, DevPreviewNoUpgrade or CustomNoUpgrade (or leave it out)',
    });
  }
  const gates = arr(doc.featureGates);
  if (gates.length === 0) return;
  if (set !== 'CustomNoUpgrade') {
    out.push({
      path: 'featureGates',
      value: gates,
      message: 'Forbidden: featureGates can only be used with the CustomNoUpgrade feature set',
      fix: 'set featureSet: CustomNoUpgrade, or remove featureGates',
    });
  }
  gates.forEach((g, i) => {
    if (!/^[^=\s]+=(true|false)$/i.test(String(g).replace(/\s/g, ''))) {
      out.push({
        path: `featureGates[${i}]`,
        value: g,
        message: 'must match the format <feature-name>=<bool>',
        fix: 'write e.g. DualReplica=true',
      });
    }
  });
}
