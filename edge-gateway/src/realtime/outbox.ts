import type { Delivery, FloorPlan } from '@aisle/contracts';
import type Database from 'better-sqlite3';
import type { ScreenSender, ScreenTarget, ServerEvent, ServerPayload } from './types';

/** A message kept for one screen, as it is (re)sent. */
export interface StoredMessage {
  event: ServerEvent;
  payload: unknown;
  delivery: Delivery;
}

export interface OutboxOptions {
  floorPlan: FloorPlan;
  now: () => number;
  /** Messages kept per screen for replay… */
  keepMessages: number;
  /** …and for how long (ms); the newest message of each screen is always kept, so its sequence goes on. */
  keepMs: number;
}

/** Where a sequenced message goes right after it was stored (the hub emits it to the screen's device room). */
export type Deliver = (screenId: string, event: ServerEvent, payload: unknown, delivery: Delivery) => void;

/**
 * Each screen's sequence of messages (`screen_messages`): every message for a screen gets the next number of that
 * screen's gap-free sequence and is stored before it is emitted, connected or not, so a screen that comes back —
 * also after the gateway restarted — is replayed exactly what it missed.
 */
export class ScreenOutbox implements ScreenSender {
  /** Set by the hub once it listens; until then messages are only stored. */
  deliver: Deliver | undefined;
  private readonly latest = new Map<string, number>();
  private readonly insert: Database.Statement;
  private readonly after: Database.Statement;
  private readonly oldest: Database.Statement;
  private readonly saveAck: Database.Statement;
  private readonly send1: (screenIds: readonly string[], event: string, payload: string, at: number) => number[];

  constructor(
    private readonly db: Database.Database,
    private readonly opts: OutboxOptions,
  ) {
    for (const row of db
      .prepare('SELECT screen_id AS id, MAX(seq) AS seq FROM screen_messages GROUP BY screen_id')
      .all() as {
      id: string;
      seq: number;
    }[])
      this.latest.set(row.id, row.seq);
    this.insert = db.prepare(
      'INSERT INTO screen_messages (screen_id, seq, event, payload, sent_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.after = db.prepare(
      'SELECT seq, event, payload, sent_at AS sentAt FROM screen_messages WHERE screen_id = ? AND seq > ? ORDER BY seq',
    );
    this.oldest = db.prepare('SELECT MIN(seq) AS seq FROM screen_messages WHERE screen_id = ?');
    this.saveAck = db.prepare(
      `INSERT INTO screen_acks (screen_id, seq, at) VALUES (?, ?, ?)
       ON CONFLICT (screen_id) DO UPDATE SET seq = excluded.seq, at = excluded.at WHERE excluded.seq > screen_acks.seq`,
    );
    // one transaction per send, however many screens it reaches
    this.send1 = db.transaction((screenIds: readonly string[], event: string, payload: string, at: number) =>
      screenIds.map((id) => {
        const seq = (this.latest.get(id) ?? 0) + 1;
        this.insert.run(id, seq, event, payload, at);
        return seq;
      }),
    );
  }

  /** The screens a target names, from the floor plan. */
  resolve(target: ScreenTarget): string[] {
    const screens = this.opts.floorPlan.screens;
    if ('screen' in target) return screens.filter((s) => s.id === target.screen).map((s) => s.id);
    if ('zone' in target)
      return screens
        .filter((s) => s.zoneId === target.zone && (!target.kinds || target.kinds.includes(s.kind)))
        .map((s) => s.id);
    return screens.filter((s) => s.kind === target.kind).map((s) => s.id);
  }

  send<E extends ServerEvent>(target: ScreenTarget, event: E, payload: ServerPayload<E>): void {
    const ids = this.resolve(target);
    if (ids.length === 0) return;
    const at = this.opts.now();
    const seqs = this.send1(ids, event, JSON.stringify(payload), at);
    const sentAt = at;
    ids.forEach((id, i) => {
      const seq = seqs[i]!;
      this.latest.set(id, seq);
      this.deliver?.(id, event, payload, { seq, sentAt });
    });
  }

  /** The newest sequence number of a screen (0 before its first message). */
  latestSeq(screenId: string): number {
    return this.latest.get(screenId) ?? 0;
  }

  /** The oldest sequence number still kept for a screen (undefined when none is). */
  oldestSeq(screenId: string): number | undefined {
    return (this.oldest.get(screenId) as { seq: number | null }).seq ?? undefined;
  }

  /** A screen's kept messages after `seq`, oldest first. */
  since(screenId: string, seq: number): StoredMessage[] {
    return (
      this.after.all(screenId, seq) as { seq: number; event: ServerEvent; payload: string; sentAt: number }[]
    ).map((r) => ({ event: r.event, payload: JSON.parse(r.payload), delivery: { seq: r.seq, sentAt: r.sentAt } }));
  }

  /** A screen processed everything up to `seq`. Acks beyond the screen's newest message are ignored. */
  ack(screenId: string, seq: number): void {
    if (seq > this.latestSeq(screenId)) return;
    this.saveAck.run(screenId, seq, this.opts.now());
  }

  ackedSeq(screenId: string): number {
    const row = this.db.prepare('SELECT seq FROM screen_acks WHERE screen_id = ?').get(screenId) as
      | { seq: number }
      | undefined;
    return row?.seq ?? 0;
  }

  /** Deletes messages beyond the retention (count and age), keeping each screen's newest; returns how many. */
  prune(): number {
    const cutoff = this.opts.now() - this.opts.keepMs;
    let deleted = 0;
    const byCount = this.db.prepare('DELETE FROM screen_messages WHERE screen_id = ? AND seq <= ?');
    const byAge = this.db.prepare('DELETE FROM screen_messages WHERE screen_id = ? AND seq < ? AND sent_at < ?');
    this.db.transaction(() => {
      for (const [id, latest] of this.latest) {
        deleted += byCount.run(id, latest - this.opts.keepMessages).changes;
        deleted += byAge.run(id, latest, cutoff).changes;
      }
    })();
    return deleted;
  }
}
