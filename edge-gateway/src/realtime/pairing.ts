import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DeviceId, ScreenKind } from '@aisle/contracts';
import { newSecret, ScreenTokenFile } from '@aisle/contracts/credentials';
import type Database from 'better-sqlite3';
import { GatewayError } from '../errors';
import { GatewayStore } from '../store/db';

/** A screen a device token was issued to. */
export interface PairedScreen {
  screenId: string;
  kind: ScreenKind;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Device tokens of the store's screens (`screen_tokens`). Only the token's sha256 is stored; the token is shown once,
 * when the screen is paired. Pairing a screen again replaces its token, so the old one stops working.
 */
export class ScreenPairing {
  private readonly upsert: Database.Statement;
  private readonly byHash: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO screen_tokens (screen_id, kind, token_hash, paired_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (screen_id) DO UPDATE SET kind = excluded.kind, token_hash = excluded.token_hash, paired_at = excluded.paired_at`,
    );
    this.byHash = db.prepare('SELECT screen_id AS screenId, kind FROM screen_tokens WHERE token_hash = ?');
  }

  /** Pairs a screen with a new token and returns it (the only time it is seen). */
  pair(screenId: string, kind: ScreenKind): string {
    const token = newSecret();
    this.register(screenId, kind, token);
    return token;
  }

  /** Pairs a screen with a token chosen elsewhere (a token file). */
  register(screenId: string, kind: ScreenKind, token: string): void {
    DeviceId.parse(screenId);
    ScreenKind.parse(kind);
    this.upsert.run(screenId, kind, hashToken(token), this.now());
  }

  /** Pairs every screen of a token file; a missing or invalid file stops start-up with a message naming it. */
  registerFile(path: string): number {
    let entries: ScreenTokenFile;
    try {
      entries = ScreenTokenFile.parse(JSON.parse(readFileSync(path, 'utf8')));
    } catch (err) {
      throw new GatewayError('bad_config', `cannot read the screen tokens in ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.db.transaction(() => {
      for (const e of entries) this.register(e.screenId, e.kind, e.token);
    })();
    return entries.length;
  }

  /** The screen a token was issued to, or undefined for a token nobody was given. */
  lookup(token: string): PairedScreen | undefined {
    return this.byHash.get(hashToken(token)) as PairedScreen | undefined;
  }
}

/** Pairs a screen in a gateway database file (the `aisle screens pair` command); returns the new token. */
export function pairScreenInDatabase(databasePath: string, screenId: string, kind: ScreenKind): string {
  const store = new GatewayStore(databasePath);
  try {
    return new ScreenPairing(store.db).pair(screenId, kind);
  } finally {
    store.close();
  }
}
