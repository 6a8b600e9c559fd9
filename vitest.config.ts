import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * Every package is listed here on purpose: a glob of `packages/*` would also match the
 * `adapters/` and `plugins/` folders. Tests run against sources through the `kefu-source`
 * export condition, so no build is needed first.
 */
const projects = [
  'packages/core',
  'packages/store-sql',
  'packages/testing',
  'packages/server',
  'packages/console',
  'packages/cli',
  'packages/adapters/web',
  'packages/adapters/wechat',
  'packages/adapters/email',
  'packages/adapters/phone',
  'packages/plugins/bot',
  'packages/plugins/cards',
  'packages/plugins/commerce',
  'packages/plugins/workspace',
  'examples/server',
].filter((dir) => existsSync(`${dir}/package.json`));

export default defineConfig({
  test: {
    projects: projects.map((root) => ({
      extends: true,
      test: { name: root.replace(/^packages\//, ''), root, include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
    })),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: keep file-level parallelism modest so timing-sensitive socket tests stay stable.
    maxWorkers: 2,
  },
  ssr: { resolve: { conditions: ['kefu-source'] } },
  resolve: { conditions: ['kefu-source'] },
});
