import { aisleTestConfig } from '../../vitest.shared';

export default aisleTestConfig('cli');
