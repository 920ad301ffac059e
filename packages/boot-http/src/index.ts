export { type HardwareReport, parseHardwareReport } from './codec/ghw.js';
export { chainByMacScript, type NodeBootScript, noBootScript, nodeBootScript } from './codec/ipxe-script.js';
export { contentRange, parseRange, type RangeDecision } from './codec/range.js';
export { renderTemplate, templateNames } from './codec/template.js';
export { type HttpSection, httpBootProfile, httpSection } from './config-section.js';
export { bootHttpFrontEnd, bootHttpFrontEndWith, bootHttpUrl } from './front-end.js';
export * from './media-cache.js';
export { resolveUnder, safeSegments } from './safe-path.js';
export { type AccessLogEntry, BootHttpServer, type BootHttpServerOptions, type ExtraHandler } from './server.js';
