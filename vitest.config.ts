import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));
/** Every workspace package with a src/index.ts resolves to its source, so tests need no build of it. */
const pkgs = readdirSync(packagesDir).filter((p) => existsSync(`${packagesDir}${p}/src/index.ts`));

export default defineConfig({
  resolve: {
    alias: Object.fromEntries(
      pkgs.map((p) => [`@bmc-emu/${p}`, fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url))]),
    ),
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
