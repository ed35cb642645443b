import type Database from 'better-sqlite3';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { GatewayConfig } from '../config';
import type { Pseudonyms } from './pseudonyms';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The classes of data the store keeps for a limited time, each purged on its own rule. */
export const RETENTION_CLASSES = [
  'sightings',
  'visits',
  'sessions',
  'interactions',
  'decisions',
  'dead_letters',
  'screen_messages',
  'outbox_sent',
  'zone_hourly',
  'salts',
] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

interface Rule {
  /** How long rows are kept, ms. */
  keepMs: number;
  /** Deletes the rows older than `before`; returns how many. */
  purge(before: number): number;
  /** When the oldest row still kept was made (epoch ms), undefined when there is none. */
  oldest(): number | undefined;
}

export interface RetentionOptions {
  db: Database.Database;
  pseudonyms: Pseudonyms;
  config: Pick<GatewayConfig, 'privacy' | 'storage'>;
  registry: Registry;
  now: () => number;
}

export interface PurgeReport {
  purged: Record<RetentionClass, number>;
}

/**
 * Retention at the store (issue #8, point 5): every class of personal or device data has its own rule, and one
 * scheduled purge applies them all. A day's pseudonym salt goes once every table holding that day's pseudonyms has
 * purged it (the longest of their retentions), so whatever outlives that (sales) can no longer be linked to a device.
 *
 * Metrics: `aisle_retention_purged_total{class}` (rows deleted) and `aisle_retention_oldest_age_seconds{class}` (age
 * of the oldest row kept, as of the last purge plus the time since: a purge that stopped running shows as a growing
 * age).
 */
export class Retention {
  private readonly rules: Record<RetentionClass, Rule>;
  private readonly oldestAt = new Map<RetentionClass, number>();
  private readonly purgedTotal: Counter<'class'>;

  constructor(private readonly opts: RetentionOptions) {
    const { db, pseudonyms, config } = opts;
    const r = config.privacy.retention;
    const days = (n: number) => n * DAY_MS;
    const rule = (keepMs: number, table: string, column: string, where = ''): Rule => {
      const purge = db.prepare<[number]>(`DELETE FROM ${table} WHERE ${column} < ? ${where}`);
      const oldest = db.prepare<[], number | null>(`SELECT min(${column}) FROM ${table} WHERE true ${where}`).pluck();
      return { keepMs, purge: (before) => purge.run(before).changes, oldest: () => oldest.get() ?? undefined };
    };
    const interactions = rule(days(r.interactionsDays), 'interactions', 'ts');
    const rfid = rule(days(r.interactionsDays), 'rfid_reads', 'ts');
    // the tables whose rows carry a day's device pseudonyms: a salt is kept as long as the longest of them
    const saltKeepMs = Math.max(
      config.storage.rawRetentionHours * HOUR_MS,
      days(r.visitsDays),
      days(r.sessionsDays),
      days(r.interactionsDays),
      days(r.decisionsDays),
    );
    this.rules = {
      sightings: rule(config.storage.rawRetentionHours * HOUR_MS, 'sightings', 'received_at'),
      visits: rule(days(r.visitsDays), 'visits', 'entered_at'),
      sessions: rule(days(r.sessionsDays), 'sessions', 'started_at'),
      interactions: {
        keepMs: days(r.interactionsDays),
        purge: (before) => interactions.purge(before) + rfid.purge(before),
        oldest: () => minOf(interactions.oldest(), rfid.oldest()),
      },
      decisions: rule(days(r.decisionsDays), 'decisions', 'at'),
      dead_letters: rule(days(r.deadLettersDays), 'dead_letters', 'received_at'),
      // each screen's newest message stays: its sequence must go on from there after a restart (realtime/outbox.ts)
      screen_messages: rule(
        days(r.screenMessagesDays),
        'screen_messages',
        'sent_at',
        'AND seq < (SELECT max(m.seq) FROM screen_messages m WHERE m.screen_id = screen_messages.screen_id)',
      ),
      // unsent rows are never purged: they are sales and events the cloud has not received yet
      outbox_sent: rule(days(r.outboxSentDays), 'outbox', 'sent_at', 'AND sent_at IS NOT NULL'),
      zone_hourly: rule(days(r.zoneHourlyDays), 'zone_hourly', 'hour_start'),
      salts: {
        keepMs: saltKeepMs,
        purge: (before) => pseudonyms.forgetBefore(before),
        oldest: () => pseudonyms.oldestDayStart(),
      },
    };

    this.purgedTotal = new Counter({
      name: 'aisle_retention_purged_total',
      help: 'Rows deleted by the retention purge, by data class',
      labelNames: ['class'] as const,
      registers: [opts.registry],
    });
    const oldestAt = this.oldestAt;
    new Gauge({
      name: 'aisle_retention_oldest_age_seconds',
      help: 'Age of the oldest row kept, by data class (as of the last purge; 0 when none is kept)',
      labelNames: ['class'] as const,
      registers: [opts.registry],
      collect() {
        const now = opts.now();
        for (const c of RETENTION_CLASSES) {
          const at = oldestAt.get(c);
          this.set({ class: c }, at === undefined ? 0 : Math.max(0, (now - at) / 1000));
        }
      },
    });
    for (const c of RETENTION_CLASSES) this.purgedTotal.inc({ class: c }, 0);
  }

  /** How long a class is kept, ms. */
  keepMs(c: RetentionClass): number {
    return this.rules[c].keepMs;
  }

  /** Applies every rule now: one transaction per class, so a long purge does not hold the writer for long. */
  purge(at = this.opts.now()): PurgeReport {
    const purged = {} as Record<RetentionClass, number>;
    for (const c of RETENTION_CLASSES) {
      const rule = this.rules[c];
      const n = this.opts.db.transaction(() => rule.purge(at - rule.keepMs))();
      purged[c] = n;
      this.purgedTotal.inc({ class: c }, n);
      const oldest = rule.oldest();
      if (oldest === undefined) this.oldestAt.delete(c);
      else this.oldestAt.set(c, oldest);
    }
    return { purged };
  }
}

function minOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
