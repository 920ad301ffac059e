export * from './event-bus.js';
export * from './ring-buffer.js';
export * from './types.js';
export * from './media-download.js';
export * from './peer-nodes.js';
export * from './event-json.js';
