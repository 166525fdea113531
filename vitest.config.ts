import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs in-process (normaliser, SDK, store, simulator, commands, config, the console's
// own logic) and is what CI also runs on Node 24; `integration` spawns `dtc`, syslog-ng, nats-server,
// Chromium (the console's browser tests) and the packed package.
const unit = [
  'test/normalize/**/*.test.ts',
  'test/darktrace/**/*.test.ts',
  'test/store/**/*.test.ts',
  'test/simulator/**/*.test.ts',
  'test/commands/**/*.test.ts',
  'test/service/config.test.ts',
  'test/service/time.test.ts',
  'web/test/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: unit } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: [...unit, '**/node_modules/**'] } },
    ],
  },
});
