import { z } from 'zod';
import { DeviceId, LocalizedText, StoreId, ZoneId } from './common';

export const ScreenKind = z.enum(['kiosk', 'mirror', 'staff']);
export type ScreenKind = z.infer<typeof ScreenKind>;

export const Zone = z
  .object({
    id: ZoneId,
    name: LocalizedText,
    /** Catalog categories shelved in this zone (none for e.g. fitting rooms or tills). */
    categories: z.array(z.string().min(1)),
  })
  .strict();
export type Zone = z.infer<typeof Zone>;

/** The store's floor plan: zones, the scanner in each, shelves and readers, and the screens. */
export const FloorPlan = z
  .object({
    storeId: StoreId,
    name: z.string().min(1),
    zones: z.array(Zone).min(1),
    scanners: z.array(z.object({ id: DeviceId, zoneId: ZoneId }).strict()).min(1),
    /** Smart shelves and RFID readers with the zone they stand in; their messages must name that zone. */
    shelves: z.array(z.object({ id: DeviceId, zoneId: ZoneId }).strict()).default([]),
    screens: z.array(z.object({ id: DeviceId, kind: ScreenKind, zoneId: ZoneId.optional() }).strict()),
  })
  .strict()
  .superRefine((plan, ctx) => {
    const zones = new Set(plan.zones.map((z) => z.id));
    const check = (zoneId: string | undefined, path: (string | number)[]) => {
      if (zoneId !== undefined && !zones.has(zoneId))
        ctx.addIssue({ code: 'custom', message: `unknown zone "${zoneId}"`, path });
    };
    for (const [i, s] of plan.scanners.entries()) check(s.zoneId, ['scanners', i, 'zoneId']);
    for (const [i, s] of plan.shelves.entries()) check(s.zoneId, ['shelves', i, 'zoneId']);
    for (const [i, s] of plan.screens.entries()) {
      check(s.zoneId, ['screens', i, 'zoneId']);
      if (s.kind !== 'staff' && s.zoneId === undefined)
        ctx.addIssue({ code: 'custom', message: `a ${s.kind} screen needs a zoneId`, path: ['screens', i, 'zoneId'] });
    }
    const ids = [...plan.scanners, ...plan.shelves, ...plan.screens].map((d) => d.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) ctx.addIssue({ code: 'custom', message: `device id "${dup}" is used twice`, path: ['screens'] });
  });
export type FloorPlan = z.infer<typeof FloorPlan>;
