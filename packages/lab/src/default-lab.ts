/**
 * What `bmc-emu lab init` writes: a compact 3-node IPI lab, every key shown with its default and a
 * comment (docs/lab.md has the full reference). Sizes may be lowered by `--memory` / `--disk`.
 */
export function defaultLabYaml(sizes: { memoryMiB?: number; diskGiB?: number } = {}): string {
  const mem = sizes.memoryMiB ?? 16384;
  const disk = sizes.diskGiB ?? 120;
  return `# bmc-emu lab: one file describes the whole IPI/UPI lab (reference: docs/lab.md).
# bmc-emu lab render -c lab.yaml --out DIR   # install-config.yaml, nodes.json, manifests, libvirt XML
# bmc-emu lab up -c lab.yaml                 # networks, disks, VMs (powered off), the same files

name: lab                    # cluster name (metadata.name); every libvirt object is tagged with it
baseDomain: example.com      # DNS: api.lab.example.com, *.apps.lab.example.com
mode: ipi                    # ipi (openshift-baremetal-install provisions) | upi (we PXE-boot each role)

libvirt:
  uris: [qemu:///system]     # the first is install-config's libvirtURI
  # hypervisors:             # several libvirt hosts instead (docs/lab.md, "Several hypervisors"):
  #   - { name: hv-a, uri: 'qemu+ssh://root@hv-a/system', roles: [master] }
  #   - { name: hv-b, uri: 'qemu+tcp://hv-b/system', count: 2 }
  pool:
    path: /var/lib/libvirt/images/bmc-emu   # a dir pool "<name>-pool" is created here when missing
  domainType: kvm            # kvm, or qemu (TCG) where there is no /dev/kvm

bmc:                         # where \`bmc-emu serve\` answers for these VMs
  # host: 192.168.111.1      # default: the baremetal network's gateway (serve --bind there)
  redfishPort: 8000
  tls: true                  # https in the BMC URLs
  ipmiBasePort: 6230         # node N of the lab (in order master, arbiter, worker, extra) gets 6230 + N
  kind: redfish-virtualmedia # redfish-virtualmedia | redfish | ipmi (per role or per host below)
  username: admin
  password: password
  # serveStateDir: .bmc-emu  # lab up registers every BMC (port, account) with the serve of this --state-dir
  # caFile: ca.pem           # \`bmc-emu ca > ca.pem\`: verify the BMC certificate instead of skipping it

controlPlane:
  count: 3                   # compact cluster: 3 masters that also run workloads
  vcpus: 4
  memoryMiB: ${mem}
  disksGiB: [${disk}]            # thin qcow2 volumes; the first is the root disk (/dev/vda)
  firmware: uefi             # uefi (own NVRAM per VM) | bios
  secureBoot: false
  # bmc: { kind: ipmi, username: admin, password: password }
  # fencing: {}              # two-node with fencing (count: 2): controlPlane.fencing.credentials = each
  #                          # master's own Redfish address and BMC account; featureSet TechPreviewNoUpgrade
  #   hosts: [master-0, master-1]   # default: every control-plane host

# arbiter:                   # two-node with arbiter (controlPlane.count: 2): a small third host, role arbiter
#   count: 1
#   vcpus: 2
#   memoryMiB: 8192
#   disksGiB: [50]

workers:
  count: 0
  vcpus: 4
  memoryMiB: ${mem}
  disksGiB: [${disk}]

extra:                       # spare hosts: VMs + BMCs, written as BareMetalHost manifests, not installed
  count: 0
  memoryMiB: ${mem}
  disksGiB: [${disk}]

# hosts:                     # per-host overrides by host name
#   master-2: { bmc: { kind: ipmi } }
#   master-0: { networkConfigFile: master-0.nmstate.yaml }   # NMState YAML -> hosts[].networkConfig

networks:
  baremetal:
    # name: labbm            # libvirt network = bridge name, at most 15 chars (default <name>bm)
    ipv4:
      cidr: 192.168.111.0/24
      # gateway: 192.168.111.1
      # dhcpRange: [192.168.111.128, 192.168.111.254]
    # ipv6:                  # add for dual stack
    #   cidr: fd2e:6f44:5dd8:c956::/120
    # apiVIPs: [192.168.111.5]       # default .5 of each CIDR
    # ingressVIPs: [192.168.111.4]   # default .4 of each CIDR
    forward: nat             # nat | isolated
    # loadBalancer: OpenShiftManagedDefault  # | UserManaged (you run the LB; VIPs may leave the CIDR)
  provisioning:
    mode: Managed            # Managed (Ironic's DHCP) | Unmanaged | Disabled (virtual media only)
    # name: labpr            # default <name>pr
    cidr: 172.22.0.0/24
    # dhcpRange: [172.22.0.10, 172.22.0.254]
    # clusterProvisioningIP: 172.22.0.3
    # bootstrapProvisioningIP: 172.22.0.2
    serve: false             # bmc-emu's DHCP/TFTP/HTTP on it (always in upi; never with Managed)
  # ntpServers: [192.168.111.1, pool.ntp.org]   # additionalNTPServers: IPs or host names

cluster:
  networkType: OVNKubernetes
  # clusterNetwork: [{ cidr: 10.128.0.0/14, hostPrefix: 23 }]
  # serviceNetwork: [172.30.0.0/16]
  # featureSet: TechPreviewNoUpgrade   # default: set when fencing or an arbiter needs its feature gate
  # featureGates: [DualReplica=true]   # with featureSet: CustomNoUpgrade
  # capabilities:            # default: the installer's (vCurrent); ipi needs MachineAPI and baremetal
  #   baselineCapabilitySet: None
  #   additionalEnabledCapabilities: [baremetal, MachineAPI, Ingress]

# pullSecretFile: pull-secret.json   # without it: {"auths":{}}
# sshKeyFile: ~/.ssh/id_ed25519.pub
images: {}                   # optional: bootstrapOSImage, clusterOSImage (?sha256=..., must answer HEAD), kernel, initrd, rootfs
stateDir: .bmc-emu-lab       # state file, serial logs, ignition files
`;
}
