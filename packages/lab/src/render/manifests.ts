import { stringify } from 'yaml';
import type { LabModel, LabNode } from '../model.js';
import { bootMode } from './install-config.js';

const NAMESPACE = 'openshift-machine-api';

/** A credentials Secret and a BareMetalHost for one extra host (grow the cluster with `oc apply -f`). */
export function extraHostManifest(node: LabNode, verifyCa: boolean): string {
  const secretName = `${node.name}-bmc-secret`;
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, namespace: NAMESPACE },
    type: 'Opaque',
    stringData: { username: node.bmc.username, password: node.bmc.password },
  };
  const host = {
    apiVersion: 'metal3.io/v1alpha1',
    kind: 'BareMetalHost',
    metadata: { name: node.name, namespace: NAMESPACE },
    spec: {
      online: false,
      bootMACAddress: node.bootMac,
      bootMode: bootMode(node),
      bmc: { address: node.bmc.address, credentialsName: secretName, disableCertificateVerification: !verifyCa },
      rootDeviceHints: { deviceName: '/dev/vda' },
    },
  };
  return `${stringify(secret)}---\n${stringify(host)}`;
}

/** `manifests/<host>.yaml` for every extra host. */
export function renderManifests(m: LabModel, verifyCa: boolean): Record<string, string> {
  return Object.fromEntries(
    m.nodes.filter((n) => n.role === 'extra').map((n) => [`manifests/${n.name}.yaml`, extraHostManifest(n, verifyCa)]),
  );
}
