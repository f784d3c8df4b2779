import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The README's examples import the package by name; in this repository that is the source.
    alias: { 'mcp-oauth-test-server': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once before the tests: the CLI tests run the built command line.
    globalSetup: ['test/global-setup.ts'],
    // Kills the processes a test file started once the file is done (see test/helpers/children.ts).
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Servers bind real sockets; two cores are shared by all workers.
    pool: 'forks',
  },
});
