import { aisleTestConfig } from '../vitest.shared';

export default aisleTestConfig('kiosk-app');
