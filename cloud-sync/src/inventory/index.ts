import type { FeatureContext } from '../feature';

/** Registers the inventory routes. */
export function registerInventoryRoutes(_ctx: FeatureContext): void {}
