import type { FeatureContext } from '../feature';

/*
 * The "my data" page (issue #8), served by the cloud and opened from a kiosk's QR code with a personal link.
 */

export function registerMyDataRoutes(_ctx: FeatureContext): void {}
