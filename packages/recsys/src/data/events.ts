/**
 * Our own event log: JSONL, one event per line:
 * `{"customerId"|"shopperId": string, "itemId": string, "type": "purchase"|"view"|"touch"|"cart_add", "ts", "weight"?}`.
 *
 * - `ts`: epoch ms (number) or an ISO 8601 date-time string with offset/`Z`; always epoch ms after loading.
 * - `weight`: optional, finite and ≥ 0; when missing it is `DEFAULT_EVENT_WEIGHTS[type]`.
 * - At least one of `customerId` (known customer) and `shopperId` (in-store session) is required; `userId` is
 *   `customerId` when present, else `shopperId`. Other fields are ignored. Blank lines are skipped.
 * Any other malformed line fails with a DataError naming the line and the field.
 */
import { z } from 'zod';
import { type DataSource, readJsonLines } from './source';

export const EVENT_TYPES = ['purchase', 'view', 'touch', 'cart_add'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Weight of an event without an explicit `weight`. */
export const DEFAULT_EVENT_WEIGHTS: Readonly<Record<EventType, number>> = Object.freeze({
  purchase: 1,
  cart_add: 0.5,
  touch: 0.3,
  view: 0.1,
});

/** One line of the log, as written. */
export const EventLineSchema = z
  .object({
    customerId: z.string().min(1).optional(),
    shopperId: z.string().min(1).optional(),
    itemId: z.string().min(1),
    type: z.enum(EVENT_TYPES),
    ts: z.union([z.number(), z.iso.datetime({ offset: true })]),
    weight: z.number().nonnegative().optional(),
  })
  .refine((e) => e.customerId !== undefined || e.shopperId !== undefined, {
    message: 'customerId or shopperId is required',
    path: ['customerId'],
  });
export type EventLine = z.infer<typeof EventLineSchema>;

/** A loaded event: ids resolved, `ts` in epoch ms, `weight` filled in. */
export interface Event {
  /** customerId ?? shopperId. */
  userId: string;
  customerId?: string;
  shopperId?: string;
  itemId: string;
  type: EventType;
  /** Epoch ms. */
  ts: number;
  weight: number;
}

/** Validates and normalises one parsed line; throws the zod error on failure. */
export function toEvent(line: EventLine): Event {
  const ts = typeof line.ts === 'number' ? line.ts : Date.parse(line.ts);
  const event: Event = {
    userId: (line.customerId ?? line.shopperId)!,
    itemId: line.itemId,
    type: line.type,
    ts,
    weight: line.weight ?? DEFAULT_EVENT_WEIGHTS[line.type],
  };
  if (line.customerId !== undefined) event.customerId = line.customerId;
  if (line.shopperId !== undefined) event.shopperId = line.shopperId;
  return event;
}

export async function loadEvents(source: DataSource): Promise<Event[]> {
  const events: Event[] = [];
  for await (const [, line] of readJsonLines(source, EventLineSchema)) events.push(toEvent(line));
  return events;
}
