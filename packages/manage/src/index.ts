export type { BmcRecord, ImportNote } from './bmc-record.js';
export { iniBoolean, type IniSections, parseIni } from './import/ini.js';
export {
  type PyDict,
  type PythonAssignments,
  type PyValue,
  parsePythonAssignments,
  requireAssignments,
} from './import/python-literal.js';
export { importVbmcTree, parseVbmcConfig, type VbmcImport } from './import/vbmc.js';
export {
  type HtpasswdEntry,
  type HtpasswdFile,
  type HtpasswdScheme,
  parseHtpasswd,
  schemeOf,
  verifyHtpasswd,
} from './import/htpasswd.js';
export { withFileLock } from './registry/file-lock.js';
export { checkRegistry, endpointKey, readRegistry, RegistryStore } from './registry/registry-store.js';
export { type RegistryHypervisors, registryHypervisors } from './registry/registry-hypervisors.js';
export { bmcRecordSchema, emptyRegistry, type RegistryFile, registryFileSchema } from './registry/schema.js';
export { addBmc, type BmcPatch, deleteBmc, nextFreePort, setActive, setBmc, shown } from './registry/operations.js';
export { udpPortOwner } from './registry/port-owner.js';
export { applyOperation } from './api/apply-operation.js';
export { connectManagement } from './api/management-client.js';
export { ManagementServer, type ManagementServerOptions, readManagementToken } from './api/management-server.js';
export type { BmcManagement, Operation } from './api/operations-api.js';
export { managementPaths } from './api/paths.js';
export { HtpasswdAccounts } from './import/htpasswd-accounts.js';
export { importSushyConfig, type SushyImport, type SushyImportConfig } from './import/sushy.js';
export {
  describeIssues,
  LAB_ROLES,
  type LabBuilt,
  labName,
  type LabNetworkReport,
  type LabNodeReport,
  labNodeReportSchema,
  type LabProgress,
  labProgressSchema,
  type LabRecord,
  type LabReport,
  labReportSchema,
  type LabRun,
  type LabRunStep,
} from './api/lab-report.js';
export { applyProgress, LabBook, type LabBookOptions, labsFilePath, MAX_LABS } from './api/lab-book.js';
export { labRoute, type LabRouteReply } from './api/lab-routes.js';
export { LabReporter, type LabReporterOptions, type LabReportResult } from './api/lab-client.js';
export { socketJson, type SocketReply } from './api/socket-request.js';
