export interface PresenceOptions {
  /** Sightings older than this no longer count towards a shopper's zone. */
  windowMs: number;
  /** A shopper unseen for this long has left. */
  leaveAfterMs: number;
  /** How much stronger (dB) another zone must be before the shopper is moved there. */
  hysteresisDb: number;
  /** How long another zone must stay stronger before the move (0 = at once). */
  confirmMs: number;
  /** Weight of a new RSSI reading in the exponential smoothing (0..1]. */
  smoothing?: number;
}

export interface ZoneChange {
  deviceId: string;
  from: string | null;
  /** When the shopper entered `from` (to compute the dwell there). */
  fromSince: number | null;
  to: string | null;
  at: number;
}

export interface ShopperPresence {
  deviceId: string;
  zoneId: string;
  enteredAt: number;
  /** Zones visited in this visit, oldest first; the last is the current zone. */
  path: readonly string[];
}

/** A sighting whose shopper is known (from the payload or derived from the advertisement). */
export interface PresenceSighting {
  deviceId: string;
  scannerId: string;
  rssi: number;
  /** The scanner's own timestamp; only used to drop readings that arrive out of order. */
  ts: number;
}

interface Reading {
  rssi: number;
  at: number;
  ts: number;
}

interface Tracked {
  readings: Map<string, Reading>;
  zoneId: string | null;
  enteredAt: number;
  lastSeen: number;
  path: string[];
  /** The zone that leads now (since when), and since when by the hysteresis margin. */
  candidate: { zoneId: string; since: number; aheadSince: number | null } | null;
  dwellReported: boolean;
}

const MAX_PATH = 8;

/**
 * Turns beacon sightings into zone presence: per device × scanner RSSI smoothing, the
 * strongest zone wins, but only once it is ahead by `hysteresisDb` for `confirmMs`, so a
 * shopper standing on a boundary does not flap.
 * Times are the gateway's receive times, so a device with a wrong clock cannot skew it.
 */
export class PresenceEngine {
  private readonly shoppers = new Map<string, Tracked>();
  private readonly alpha: number;

  constructor(
    private readonly scannerZones: ReadonlyMap<string, string>,
    private readonly opts: PresenceOptions,
  ) {
    this.alpha = opts.smoothing ?? 0.25;
  }

  /** Feeds one sighting; returns the zone change it caused, if any. */
  observe(s: PresenceSighting, at: number): ZoneChange | undefined {
    let t = this.shoppers.get(s.deviceId);
    if (!t) {
      t = {
        readings: new Map(),
        zoneId: null,
        enteredAt: at,
        lastSeen: at,
        path: [],
        candidate: null,
        dwellReported: false,
      };
      this.shoppers.set(s.deviceId, t);
    }
    t.lastSeen = at;
    const prev = t.readings.get(s.scannerId);
    const fresh = prev && at - prev.at <= this.opts.windowMs;
    // a reading older than the one this scanner already gave arrived out of order: too late to count
    if (fresh && s.ts < prev.ts) return undefined;
    t.readings.set(s.scannerId, {
      rssi: fresh ? prev.rssi + this.alpha * (s.rssi - prev.rssi) : s.rssi,
      at,
      ts: s.ts,
    });

    const strengths = this.zoneStrengths(t, at);
    let best: string | null = null;
    for (const [zone, rssi] of strengths) if (best === null || rssi > strengths.get(best)!) best = zone;
    if (best === null || best === t.zoneId) {
      t.candidate = null;
      return undefined;
    }
    if (t.zoneId === null) return this.move(s.deviceId, t, best, at); // first placement
    if (t.candidate?.zoneId !== best) t.candidate = { zoneId: best, since: at, aheadSince: null };
    const current = strengths.get(t.zoneId);
    if (current !== undefined && strengths.get(best)! - current < this.opts.hysteresisDb) {
      t.candidate.aheadSince = null;
      return undefined;
    }
    t.candidate.aheadSince ??= at;
    if (at - t.candidate.aheadSince < this.opts.confirmMs) return undefined;
    // the shopper has been there since the new zone began to lead, not since it was confirmed
    return this.move(s.deviceId, t, best, t.candidate.since);
  }

  /** Shoppers not seen for `leaveAfterMs` leave; returns their changes. */
  expire(now: number): ZoneChange[] {
    const changes: ZoneChange[] = [];
    for (const [deviceId, t] of this.shoppers) {
      if (now - t.lastSeen < this.opts.leaveAfterMs) continue;
      this.shoppers.delete(deviceId);
      // they left when they were last heard, not when we noticed
      if (t.zoneId !== null)
        changes.push({ deviceId, from: t.zoneId, fromSince: t.enteredAt, to: null, at: t.lastSeen });
    }
    return changes;
  }

  /**
   * Shoppers who have now been in their zone for `thresholdMs`, each reported once per
   * zone visit (a shopper lingering at a shelf).
   */
  dwells(now: number, thresholdMs: number): ShopperPresence[] {
    const lingering: ShopperPresence[] = [];
    for (const [deviceId, t] of this.shoppers) {
      if (t.zoneId === null || t.dwellReported || now - t.enteredAt < thresholdMs) continue;
      t.dwellReported = true;
      lingering.push(this.get(deviceId)!);
    }
    return lingering;
  }

  get(deviceId: string): ShopperPresence | undefined {
    const t = this.shoppers.get(deviceId);
    return t?.zoneId ? { deviceId, zoneId: t.zoneId, enteredAt: t.enteredAt, path: [...t.path] } : undefined;
  }

  /** The shopper who most recently entered the zone (the one in front of its screen). */
  newestIn(zoneId: string): ShopperPresence | undefined {
    let newest: string | undefined;
    let enteredAt = -Infinity;
    for (const [deviceId, t] of this.shoppers)
      if (t.zoneId === zoneId && t.enteredAt >= enteredAt) {
        newest = deviceId;
        enteredAt = t.enteredAt;
      }
    return newest === undefined ? undefined : this.get(newest);
  }

  occupancy(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const t of this.shoppers.values())
      if (t.zoneId !== null) counts.set(t.zoneId, (counts.get(t.zoneId) ?? 0) + 1);
    return counts;
  }

  private zoneStrengths(t: Tracked, at: number): Map<string, number> {
    const strengths = new Map<string, number>();
    for (const [scannerId, r] of t.readings) {
      if (at - r.at > this.opts.windowMs) {
        t.readings.delete(scannerId);
        continue;
      }
      const zone = this.scannerZones.get(scannerId);
      if (zone === undefined) continue;
      strengths.set(zone, Math.max(strengths.get(zone) ?? -Infinity, r.rssi));
    }
    return strengths;
  }

  private move(deviceId: string, t: Tracked, to: string, at: number): ZoneChange {
    const from = t.zoneId;
    const fromSince = from === null ? null : t.enteredAt;
    t.zoneId = to;
    t.enteredAt = at;
    t.candidate = null;
    t.dwellReported = false;
    t.path.push(to);
    if (t.path.length > MAX_PATH) t.path.shift();
    return { deviceId, from, fromSince, to, at };
  }
}
