import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));
/** Console canary scan and canary-marked emulator tokens for every unit test (issue #7). */
const canarySetup = fileURLToPath(new URL('./test/security/canary-setup.ts', import.meta.url));

/** Unit tests run against each package's source; the runtime suite against the built `dist/`. */
const alias = [
  { find: /^@grantkit\/core\/testing\/node$/, replacement: src('core/src/testing/node.ts') },
  { find: /^@grantkit\/core\/testing$/, replacement: src('core/src/testing/index.ts') },
  { find: /^@grantkit\/core\/shared$/, replacement: src('core/src/shared/index.ts') },
  { find: /^@grantkit\/core\/redis$/, replacement: src('core/src/redis/index.ts') },
  { find: /^@grantkit\/core\/deno-kv$/, replacement: src('core/src/deno-kv/index.ts') },
  { find: /^@grantkit\/core\/vault$/, replacement: src('core/src/vault/index.ts') },
  { find: /^@grantkit\/core\/otel$/, replacement: src('core/src/otel/index.ts') },
  { find: /^@grantkit\/core$/, replacement: src('core/src/index.ts') },
  { find: /^@grantkit\/edge\/cloudflare$/, replacement: src('edge/src/cloudflare/index.ts') },
  { find: /^@grantkit\/edge\/redis$/, replacement: src('edge/src/redis/index.ts') },
  { find: /^@grantkit\/edge\/deno-kv$/, replacement: src('edge/src/deno-kv/index.ts') },
  { find: /^@grantkit\/edge\/otel$/, replacement: src('edge/src/otel/index.ts') },
  { find: /^@grantkit\/edge$/, replacement: src('edge/src/index.ts') },
  { find: /^@grantkit\/react$/, replacement: src('react/src/index.ts') },
];

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'core',
          include: ['packages/core/src/**/*.test.ts', 'test/node-version.test.ts'],
          setupFiles: [canarySetup],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'edge',
          include: ['packages/edge/src/**/*.test.ts'],
          setupFiles: [canarySetup],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'react',
          include: ['packages/react/src/**/*.test.{ts,tsx}'],
          setupFiles: [canarySetup],
          environment: 'happy-dom',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'reliability',
          include: ['test/{faults,fuzz,conformance,security}/**/*.test.{ts,tsx}'],
          setupFiles: [canarySetup],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      // Shared stores against the real engines (a redis-server the tests start), on the packages' source.
      {
        resolve: { alias },
        test: {
          name: 'stores',
          include: ['test/stores/**/*.test.ts'],
          setupFiles: [canarySetup],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      // What a consumer receives: the packed tarballs installed into a fresh project outside the workspace.
      {
        test: {
          name: 'consumer',
          include: ['test/consumer/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'runtimes',
          include: ['test/runtimes/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
