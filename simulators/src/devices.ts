import type { FloorPlan, TopicFamily } from '@aisle/contracts';

export interface DemoDevice {
  id: string;
  family: TopicFamily;
}

/** Every device of the demo store: a scanner and a smart shelf per zone, the fitting-room RFID reader, a door counter, a till. */
export function demoDevices(plan: FloorPlan): DemoDevice[] {
  return [
    ...plan.scanners.map((s) => ({ id: s.id, family: 'ble' as const })),
    ...plan.zones
      .filter((z) => z.categories.length > 0)
      .map((z) => ({ id: `shelf-${z.id}`, family: 'shelf' as const })),
    ...plan.zones
      .filter((z) => z.categories.length === 0)
      .map((z) => ({ id: `rfid-${z.id}`, family: 'rfid' as const })),
    { id: 'door-1', family: 'sensor' },
    { id: 'pos-1', family: 'pos' },
  ];
}
