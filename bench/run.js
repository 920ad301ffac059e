#!/usr/bin/env node
// Runs every bench/*.bench.mjs in turn (or those named on the command line), each in its own process,
// so one benchmark's memory and sockets do not colour the next. Benchmarks print their own figures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmarks matched ${wanted.join(' ') || '(all)'}`);
  process.exit(2);
}
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, f)], { stdio: 'inherit', timeout: 10 * 60_000 });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    failed++;
    console.log(`=== ${f} FAILED (exit ${r.status ?? r.signal}) after ${secs} s ===`);
  } else {
    console.log(`=== ${f} done in ${secs} s ===`);
  }
}
process.exit(failed ? 1 : 0);
