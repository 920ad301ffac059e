// The public API plus the option value codecs the package does not export: what this package's tests import.
export * from '../src/codec/options.js';
export * from '../src/index.js';
