import { randomBytes } from 'node:crypto';
import { DeviceId, type FloorPlan, ScreenKind } from '@aisle/contracts';
import { z } from 'zod';

/** Name of the demo's screen-token file in its data folder (read by the gateway as `AISLE_SCREEN_TOKENS`). */
export const SCREEN_TOKENS_FILE = 'screen-tokens.json';

/** The device tokens the demo pairs its screens with (the gateway's `ScreenTokenFile` format). */
export const ScreenTokens = z.array(
  z.object({ screenId: DeviceId, kind: ScreenKind, token: z.string().min(16).max(256) }).strict(),
);
export type ScreenTokens = z.infer<typeof ScreenTokens>;

/** A new random device token for every screen of the floor plan. */
export function newScreenTokens(plan: FloorPlan): ScreenTokens {
  return plan.screens.map((s) => ({ screenId: s.id, kind: s.kind, token: randomBytes(32).toString('base64url') }));
}
