import { parseBmcAddress } from './bmc-url.js';
import { arr, baremetalOf, isObj, type Obj, str } from './obj.js';
import type { Violation } from './violation.js';

/**
 * Two-node clusters: with fencing (TNF, `controlPlane.fencing.credentials`) or with an arbiter
 * (`arbiter`). Ported from openshift/installer: pkg/types/validation/installconfig.go (validateArbiter,
 * the HighlyAvailableArbiter gate), pkg/types/common (ValidateTwoFencingCredentials,
 * ValidateUniqueAndRequiredFields), pkg/types/baremetal/validation/platform.go (validateHostsBMCForFencing).
 */

const GATED_SETS = ['TechPreviewNoUpgrade', 'DevPreviewNoUpgrade'];

/** Whether a feature gate is on: a preview feature set, or CustomNoUpgrade with `<gate>=true`. */
export function featureGateEnabled(doc: Obj, gate: string): boolean {
  const set = str(doc.featureSet) ?? '';
  if (GATED_SETS.includes(set)) return true;
  return (
    set === 'CustomNoUpgrade' && arr(doc.featureGates).some((g) => String(g).replace(/\s/g, '') === `${gate}=true`)
  );
}

const gateFix = (gate: string) =>
  `set featureSet: TechPreviewNoUpgrade (or CustomNoUpgrade with featureGates: ["${gate}=true"])`;

const replicasOf = (pool: unknown): number | undefined =>
  isObj(pool) && typeof pool.replicas === 'number' ? pool.replicas : undefined;

/** BMC schemes Pacemaker's fence_redfish can drive: the Redfish family and the Redfish virtual-media ones. */
function isRedfish(address: string): boolean {
  const parsed = parseBmcAddress(address);
  return parsed.ok && /redfish|virtualmedia/.test(parsed.bmc.scheme) && parsed.bmc.scheme !== 'ilo4-virtualmedia';
}

function checkFencing(doc: Obj, out: Violation[]): void {
  const cp = isObj(doc.controlPlane) ? doc.controlPlane : {};
  if (cp.fencing === undefined || cp.fencing === null) return;
  const path = 'controlPlane.fencing';
  if (!featureGateEnabled(doc, 'DualReplica')) {
    out.push({
      path,
      value: '(set)',
      message:
        'Forbidden: this field is protected by the DualReplica feature gate which must be enabled through either the TechPreviewNoUpgrade or CustomNoUpgrade feature set',
      fix: gateFix('DualReplica'),
    });
  }
  const creds = isObj(cp.fencing) ? arr(cp.fencing.credentials) : [];
  if (creds.length > 0 && creds.length !== 2) {
    out.push({
      path: `${path}.credentials`,
      value: `${creds.length} credential(s)`,
      message: `there should be exactly two fencingCredentials to support the two node cluster, instead ${creds.length} fencingCredentials were found`,
      fix: 'give one credential per control-plane host (two)',
    });
  }
  const seen: Record<string, Map<string, number>> = { hostName: new Map(), address: new Map() };
  creds.forEach((c, i) => {
    const cred = isObj(c) ? c : {};
    for (const key of ['hostName', 'username', 'password', 'address']) {
      const v = str(cred[key]);
      if (!v) {
        out.push({
          path: `${path}.credentials[${i}].${key}`,
          value: cred[key],
          message: `missing ${key}`,
          fix: `set ${key} (the node's name, and its BMC's Redfish URL and login)`,
        });
        continue;
      }
      const first = seen[key]?.get(v);
      if (first !== undefined) {
        out.push({
          path: `${path}.credentials[${i}].${key}`,
          value: v,
          message: `Duplicate value (already used by credentials[${first}])`,
          fix: `give each node its own ${key}`,
        });
      } else seen[key]?.set(v, i);
    }
    const address = str(cred.address);
    if (address && !isRedfish(address)) {
      out.push({
        path: `${path}.credentials[${i}].address`,
        value: address,
        message: 'fencing needs a Redfish BMC address (fence_redfish is the only agent configured)',
        fix: 'write redfish+https://host:port/redfish/v1/Systems/<id>',
      });
    }
  });
  const bm = baremetalOf(doc);
  if (replicasOf(cp) !== 2 || creds.length === 0 || !bm) return;
  arr(bm.hosts).forEach((h, i) => {
    const host = isObj(h) ? h : {};
    const address = str(isObj(host.bmc) ? host.bmc.address : undefined);
    if (host.role === 'master' && address && !isRedfish(address)) {
      out.push({
        path: `platform.baremetal.hosts[${i}].bmc.address`,
        value: address,
        message: 'a two-node cluster with fencing needs Redfish-compatible BMCs on its control-plane hosts',
        fix: 'use a redfish or redfish-virtualmedia BMC address for this host',
      });
    }
  });
}

function checkArbiter(doc: Obj, out: Violation[]): void {
  if (doc.arbiter === undefined || doc.arbiter === null) return;
  if (!featureGateEnabled(doc, 'HighlyAvailableArbiter')) {
    out.push({
      path: 'arbiter',
      value: '(set)',
      message: 'Forbidden: HighlyAvailableArbiter feature must be enabled in order to use arbiter cluster deployment',
      fix: gateFix('HighlyAvailableArbiter'),
    });
    return;
  }
  const a = isObj(doc.arbiter) ? doc.arbiter : {};
  if (isObj(doc.platform) && !isObj(doc.platform.baremetal)) {
    out.push({
      path: 'arbiter.platform',
      value: Object.keys(doc.platform)[0],
      message: 'Unsupported value: supported values: "baremetal"',
      fix: 'an arbiter needs platform: baremetal',
    });
  }
  if (a.name !== 'arbiter') {
    out.push({
      path: 'arbiter.name',
      value: a.name,
      message: 'Unsupported value: supported values: "arbiter"',
      fix: 'set arbiter.name: arbiter',
    });
  }
  if (replicasOf(a) === 0) {
    out.push({
      path: 'arbiter.replicas',
      value: 0,
      message: 'number of arbiter replicas must be positive',
      fix: 'set arbiter.replicas: 1',
    });
  }
  const masters = replicasOf(doc.controlPlane);
  if (masters === undefined || masters < 2) {
    out.push({
      path: 'arbiter.replicas',
      value: masters,
      message: 'number of controlPlane replicas must be at least 2 for arbiter deployments',
      fix: 'set controlPlane.replicas: 2',
    });
  }
}

export function checkTwoNode(doc: Obj, out: Violation[]): void {
  checkFencing(doc, out);
  checkArbiter(doc, out);
}
