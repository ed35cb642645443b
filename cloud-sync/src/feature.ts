import type { Logger } from 'pino';
import type { Routes } from './route';
import type { CloudStore } from './store';

/** What a feature module (customers, carts, training, …) gets to register its routes. */
export interface FeatureContext {
  routes: Routes;
  store: CloudStore;
  logger: Logger;
  now: () => number;
}
