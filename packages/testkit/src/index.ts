export { CHROMIUM_FLAGS, chromiumPath, launchChromium } from './chromium';
export { processesInGroup, REPO_ROOT, type RunningDemo, SURFACES, type Surface, startDemoStore } from './demo-store';
export { until } from './wait';
