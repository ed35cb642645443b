import { aisleTestConfig } from '../../vitest.shared';

export default aisleTestConfig('e2e', { include: ['test/**/*.test.ts'], testTimeout: 180_000 });
