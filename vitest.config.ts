import { defineConfig } from 'vitest/config';
import { contract } from './tests/contract-files.js';

const timeouts = { testTimeout: 20_000, hookTimeout: 30_000 };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/worker/**'],
          environment: 'node',
          ...timeouts,
        },
      },
      {
        test: {
          name: 'worker',
          // *.node.test.ts files need in-process injection (deps) and stay on Node.
          include: [...contract, 'tests/worker/**/*.test.ts'],
          exclude: ['**/*.node.test.ts'],
          environment: 'node',
          env: { GOALPOST_TARGET: 'worker', WRANGLER_SEND_METRICS: 'false' },
          globalSetup: ['tests/support/worker-bundle.ts'],
          setupFiles: ['tests/support/worker-setup.ts'],
          ...timeouts,
        },
      },
    ],
  },
});
