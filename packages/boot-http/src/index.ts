export * from './media-cache.js';
