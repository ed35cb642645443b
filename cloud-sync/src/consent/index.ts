import type { FeatureContext } from '../feature';

/** Registers the consent routes. */
export function registerConsentRoutes(_ctx: FeatureContext): void {}
