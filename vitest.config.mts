import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // The lab runs real daemons in network namespaces: one file at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
