// The wire codecs, for this package's own tests and tools: not part of the published API (index.ts).
export * from './boot-flags.js';
export * from './cipher-suites.js';
export * from './errors.js';
export * from './fru.js';
export * from './guid.js';
export * from './lan-config.js';
export * from './lan6-config.js';
export * from './message.js';
export * from './rakp.js';
export * from './rmcp.js';
export * from './rmcp-plus.js';
export * from './sdr.js';
export * from './sensor-settings.js';
export * from './sel-record.js';
export * from './session15.js';
export * from './sol.js';
