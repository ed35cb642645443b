import { readFileSync } from 'node:fs';
import { FloorPlan } from '@aisle/contracts';
import { GatewayError } from './errors';

/** Reads and validates the store's floor plan file; errors name the file and the field. */
export function loadFloorPlan(path: string): FloorPlan {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new GatewayError('bad_floor_plan', `cannot read floor plan ${path}: ${(err as Error).message}`);
  }
  const parsed = FloorPlan.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new GatewayError('bad_floor_plan', `floor plan ${path} is invalid: ${issues}`);
  }
  return parsed.data;
}
