#!/usr/bin/env node
import { main } from '../dist/src/cli.js';

function finish(code) {
  process.exitCode = code;
  // If a leaked handle would keep the process alive after a clean stop, exit anyway.
  setTimeout(() => process.exit(process.exitCode), 3000).unref();
}

main(process.argv).then(
  (code) => finish(typeof code === 'number' ? code : 0),
  (err) => {
    console.error(err?.stack ?? String(err));
    finish(1);
  },
);
