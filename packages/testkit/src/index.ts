export { CHROMIUM_FLAGS, chromiumPath, launchChromium } from './chromium';
export { processesInGroup, REPO_ROOT, type RunningDemo, SURFACES, type Surface, startDemoStore } from './demo-store';
export {
  type Direction,
  type Endpoint,
  type FaultProxy,
  type FaultProxyOptions,
  type FaultProxyStats,
  type Faults,
  type LaneStats,
  mergeFaults,
  NO_FAULTS,
  startFaultProxy,
} from './fault-proxy';
export { until } from './wait';
