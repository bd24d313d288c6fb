import { defineConfig } from 'vitest/config';

// Benchmarks print figures; they assert nothing about time. Run one file at a time on all cores.
export default defineConfig({
  test: {
    include: ['bench/**/*.run.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
