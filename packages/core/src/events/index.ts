export * from './event-bus.js';
export * from './ring-buffer.js';
export * from './types.js';
