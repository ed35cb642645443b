import type { FloorPlan } from '@aisle/contracts';
import { newSecret, type ScreenTokenFile } from '@aisle/contracts/credentials';

/** Name of the demo's screen-token file in its data folder (read by the gateway as `AISLE_SCREEN_TOKENS`). */
export const SCREEN_TOKENS_FILE = 'screen-tokens.json';

/** A new device token for every screen of the floor plan. */
export function newScreenTokens(plan: FloorPlan): ScreenTokenFile {
  return plan.screens.map((s) => ({ screenId: s.id, kind: s.kind, token: newSecret() }));
}
