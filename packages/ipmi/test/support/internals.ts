// The public API plus the wire codecs the package no longer exports: what this package's tests import.
export * from '../../src/codec/index.js';
export * from '../../src/index.js';
