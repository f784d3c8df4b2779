import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Servers bind real sockets; two cores are shared by all workers.
    pool: 'forks',
  },
});
