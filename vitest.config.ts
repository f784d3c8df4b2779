import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The README's examples import the package by name; in this repository that is the source.
    // Exact matches: a plain key would also rewrite 'mcp-oauth-test-server/vitest' to src/index.ts/vitest.
    alias: [
      { find: /^mcp-oauth-test-server$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^mcp-oauth-test-server\/vitest$/, replacement: fileURLToPath(new URL('./src/vitest.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once before the tests: the CLI tests run the built command line.
    globalSetup: ['test/global-setup.ts'],
    // Kills the processes a test file started once the file is done (see test/support/children.ts).
    setupFiles: ['test/setup.ts'],
    // Timeouts catch hangs, not slowness: on a loaded 2-core machine the heaviest tests (the fuzzers,
    // a test that runs the CLI seven times) took 14 s, so 20 s was a race. Nothing asserts wall time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Servers bind real sockets; two cores are shared by all workers.
    pool: 'forks',
  },
});
