export { defaultLabYaml } from './default-lab.js';
export { labMac, labUuid } from './identity.js';
export * from './ip.js';
export { LabFileError, loadLab, parseLab, resolvePaths, type SizeOverrides } from './load.js';
export { bmcAddress, buildModel, type LabModel, type LabNode, type LabRole } from './model.js';
export { domainXml, IGNITION_FW_CFG, ignitionPath, serialLogPath, volumeName } from './render/domain-xml.js';
export { type Rendered, renderLab } from './render/index.js';
export {
  bootMode,
  fencingCredentials,
  type LabInputs,
  PLACEHOLDER_PULL_SECRET,
  renderInstallConfig,
} from './render/install-config.js';
export { extraHostManifest, renderManifests } from './render/manifests.js';
export { baremetalNetworkXml, provisioningHostIp, provisioningNetworkXml } from './render/network-xml.js';
export { renderNodesJson } from './render/nodes-json.js';
export { LAB_METADATA_NS, type LabTag, labTagXml, readLabTag } from './render/tag.js';
export { BMC_KINDS, type BmcKind, FEATURE_SETS, type Lab, type LabInput, labSchema } from './schema.js';
export { BMC_DRIVERS, type BmcDriver, parseBmcAddress } from './validate/bmc-url.js';
export { validateRendered, validateRenderedOnline } from './validate/index.js';
export {
  type CheckOptions,
  checkInstallConfig,
  checkInstallConfigOnline,
  checkInstallConfigText,
} from './validate/install-config.js';
export { BASELINE_CAPABILITY_SETS, CAPABILITY_SETS, KNOWN_CAPABILITIES } from './validate/capabilities.js';
export { LOAD_BALANCER_TYPES } from './validate/load-balancer.js';
export { isNtpServer } from './validate/ntp.js';
export { checkOsImagesReachable, osImageUriProblem, type ReachOptions } from './validate/os-images.js';
export { checkLab, labKeyFor } from './validate/lab.js';
export { formatViolation, type Violation } from './validate/violation.js';
export { writeFiles } from './write-files.js';
export { applySteps, type Progress, type ProgressEvent } from './libvirt/apply.js';
export { type Desired, desiredObjects } from './libvirt/desired.js';
export {
  connect,
  type HostPlan,
  labDown,
  labPlan,
  labStatus,
  labUp,
  type NodeStatus,
  type UpResult,
} from './libvirt/lab-ops.js';
export { changes, type Observed, planDown, planUp, type Step, type StepAction } from './libvirt/plan.js';
export { type LabState, type StateBmc, StateFile, stateFilePath } from './libvirt/state-file.js';
export { carryForeignMetadata, stampHash } from './render/tag.js';
export { labBmcRecords, type RegisterResult, registerBmcs, unregisterBmcs } from './libvirt/bmc-registration.js';
export { type LabHypervisor, labHypervisors, placeNodes, placementProblem, planNodes } from './placement.js';
export { renderServeConfig } from './render/serve-config.js';
