import { defineConfig } from 'vitest/config';

/**
 * Test settings every workspace shares. With AISLE_TEST_REPORT_DIR set (CI does),
 * each package also writes a JSON report there so the counts can be summed.
 */
export function aisleTestConfig(name: string, overrides: { testTimeout?: number; include?: string[] } = {}) {
  const reportDir = process.env.AISLE_TEST_REPORT_DIR;
  return defineConfig({
    test: {
      name,
      include: overrides.include ?? ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: 60_000,
      reporters: reportDir ? ['default', 'json'] : ['default'],
      outputFile: reportDir ? { json: `${reportDir}/${name.replace(/[^a-z0-9-]/gi, '_')}.json` } : undefined,
    },
  });
}
