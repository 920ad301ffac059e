import { bmcAddress, type LabModel, type LabNode } from '../model.js';

/** Files a lab.yaml points at, read by the caller (render stays pure). */
export interface LabInputs {
  pullSecret?: string;
  sshKey?: string;
  /** PEM of the Redfish CA (lab.bmc.caFile). */
  caPem?: string;
  /** Host name -> the parsed NMState document of `hosts.<name>.networkConfigFile`. */
  networkConfigs?: Record<string, unknown>;
}

export const PLACEHOLDER_PULL_SECRET = '{"auths":{}}';

export function bootMode(node: LabNode): 'UEFI' | 'UEFISecureBoot' | 'legacy' {
  if (node.spec.firmware === 'bios') return 'legacy';
  return node.spec.secureBoot ? 'UEFISecureBoot' : 'UEFI';
}

/** One `platform.baremetal.hosts[]` entry (extra hosts use the same shape in their BareMetalHost). */
export function installHost(node: LabNode, verifyCa: boolean): Record<string, unknown> {
  return {
    name: node.name,
    role: node.role,
    bmc: {
      address: node.bmc.address,
      username: node.bmc.username,
      password: node.bmc.password,
      disableCertificateVerification: !verifyCa,
    },
    bootMACAddress: node.bootMac,
    bootMode: bootMode(node),
    rootDeviceHints: { deviceName: '/dev/vda' },
  };
}

/**
 * `controlPlane.fencing.credentials`: per fenced host, the lab's own Redfish address of that node (whatever
 * kind its install-config BMC is) and the account the lab registers for it.
 */
export function fencingCredentials(m: LabModel, verifyCa: boolean): Record<string, unknown>[] {
  return (m.fencing?.hosts ?? []).flatMap((name) => {
    const n = m.nodes.find((x) => x.name === name);
    if (!n) return [];
    return [
      {
        hostName: n.name,
        username: n.bmc.username,
        password: n.bmc.password,
        address: bmcAddress('redfish', m.bmcHost, m.lab, n.uuid, n.ordinal),
        certificateVerification: verifyCa ? 'Enabled' : 'Disabled',
      },
    ];
  });
}

/** featureSet / featureGates: lab.yaml's, else the preview set the two-node topologies are gated behind. */
function features(m: LabModel): Record<string, unknown> {
  const { featureSet, featureGates } = m.lab.cluster;
  const gated = m.fencing !== undefined || m.lab.arbiter.count > 0;
  const set = featureSet ?? (gated ? 'TechPreviewNoUpgrade' : undefined);
  return { ...(set ? { featureSet: set } : {}), ...(featureGates ? { featureGates } : {}) };
}

/** install-config.yaml as a plain object, with the installer's own field names. */
export function renderInstallConfig(m: LabModel, inputs: LabInputs = {}): Record<string, unknown> {
  const { lab, provisioning: pr } = m;
  const verifyCa = inputs.caPem !== undefined;
  const hosts = m.nodes
    .filter((n) => n.role !== 'extra')
    .map((n) => {
      const nc = inputs.networkConfigs?.[n.name];
      return nc === undefined ? installHost(n, verifyCa) : { ...installHost(n, verifyCa), networkConfig: nc };
    });
  const bmNet = lab.networks.baremetal;
  const disabled = pr.mode === 'Disabled';
  const baremetal: Record<string, unknown> = {
    apiVIPs: m.baremetal.apiVIPs,
    ingressVIPs: m.baremetal.ingressVIPs,
    provisioningNetwork: pr.mode,
    ...(disabled
      ? {}
      : {
          provisioningNetworkCIDR: pr.network,
          ...(pr.mode === 'Managed' ? { provisioningDHCPRange: pr.dhcpRange.join(',') } : {}),
        }),
    clusterProvisioningIP: pr.clusterProvisioningIP,
    bootstrapProvisioningIP: pr.bootstrapProvisioningIP,
    ...(disabled ? {} : { provisioningBridge: pr.name }),
    externalBridge: m.baremetal.name,
    // the installer's bootstrap VM goes to the first hypervisor
    libvirtURI: m.hypervisors[0]!.uri,
    ...(lab.images.bootstrapOSImage ? { bootstrapOSImage: lab.images.bootstrapOSImage } : {}),
    ...(lab.images.clusterOSImage ? { clusterOSImage: lab.images.clusterOSImage } : {}),
    ...(bmNet.loadBalancer ? { loadBalancer: { type: bmNet.loadBalancer } } : {}),
    ...(lab.networks.ntpServers ? { additionalNTPServers: lab.networks.ntpServers } : {}),
    hosts,
  };
  const workers = m.nodes.filter((n) => n.role === 'worker').length;
  const upi = lab.mode === 'upi';
  // a fresh object per pool: a shared one would be written as a YAML anchor and alias
  const machinePlatform = () => (upi ? {} : { baremetal: {} });
  const fencing = m.fencing ? { fencing: { credentials: fencingCredentials(m, verifyCa) } } : {};
  return {
    apiVersion: 'v1',
    baseDomain: lab.baseDomain,
    metadata: { name: lab.name },
    networking: {
      networkType: lab.cluster.networkType,
      machineNetwork: m.baremetal.stacks.map((s) => ({ cidr: s.network })),
      clusterNetwork: m.clusterNetwork,
      serviceNetwork: m.serviceNetwork,
    },
    ...features(m),
    controlPlane: { name: 'master', replicas: lab.controlPlane.count, platform: machinePlatform(), ...fencing },
    ...(lab.arbiter.count > 0
      ? { arbiter: { name: 'arbiter', replicas: lab.arbiter.count, platform: machinePlatform() } }
      : {}),
    // upi: the user (here: the lab) provisions the machines, so platform none and compute replicas 0
    compute: [{ name: 'worker', replicas: upi ? 0 : workers, platform: machinePlatform() }],
    ...(lab.cluster.capabilities ? { capabilities: lab.cluster.capabilities } : {}),
    platform: upi ? { none: {} } : { baremetal },
    ...(inputs.caPem ? { additionalTrustBundle: inputs.caPem } : {}),
    pullSecret: inputs.pullSecret?.trim() || PLACEHOLDER_PULL_SECRET,
    ...(inputs.sshKey ? { sshKey: inputs.sshKey.trim() } : {}),
  };
}
