import { readFile } from 'node:fs/promises';
import type { StaffLoginResult, StaffRole } from '@aisle/contracts';
import { StaffFile, verifyPin } from '@aisle/contracts/credentials';

export interface StaffMember {
  id: string;
  name: string;
  role: StaffRole;
}

export interface StaffAuthOptions {
  /** The staff file (`[{ id, name, role, pinHash }]`); without one nobody can log in. Read on every login. */
  path: string | undefined;
  /** Wrong PINs in a row on one screen before it is locked… */
  maxAttempts: number;
  /** …for this long (ms). */
  lockMs: number;
  now: () => number;
}

/**
 * Staff PIN login for staff screens. PINs are checked against the salted scrypt hashes of the staff file; wrong PINs
 * are counted per screen (not per connection, so reconnecting does not reset them), and a screen with `maxAttempts`
 * wrong PINs in a row is locked for `lockMs`.
 */
export class StaffAuth {
  private readonly failures = new Map<string, { count: number; lockedUntil: number }>();
  /** Logins of one screen run one after another, so parallel tries cannot outrun the count of wrong PINs. */
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(private readonly opts: StaffAuthOptions) {}

  login(screenId: string, pin: string): Promise<{ result: StaffLoginResult; staff?: StaffMember }> {
    const run = (this.pending.get(screenId) ?? Promise.resolve()).then(() => this.check(screenId, pin));
    const done = run.catch(() => {});
    this.pending.set(screenId, done);
    void done.then(() => {
      if (this.pending.get(screenId) === done) this.pending.delete(screenId);
    });
    return run;
  }

  private async check(screenId: string, pin: string): Promise<{ result: StaffLoginResult; staff?: StaffMember }> {
    const now = this.opts.now();
    const state = this.failures.get(screenId);
    if (state && state.lockedUntil > now) return { result: this.locked(state.lockedUntil - now) };
    if (state && state.lockedUntil > 0) this.failures.delete(screenId); // the lock is over: a fresh start
    const staff = await this.load();
    if (!staff.ok) return { result: { ok: false, reason: 'invalid', message: staff.message } };
    for (const s of staff.entries) {
      if (await verifyPin(pin, s.pinHash)) {
        this.failures.delete(screenId);
        const member = { id: s.id, name: s.name, role: s.role };
        return { result: { ok: true, staff: { name: s.name, role: s.role } }, staff: member };
      }
    }
    const fails = (this.failures.get(screenId)?.count ?? 0) + 1;
    if (fails >= this.opts.maxAttempts) {
      this.failures.set(screenId, { count: fails, lockedUntil: this.opts.now() + this.opts.lockMs });
      return { result: this.locked(this.opts.lockMs) };
    }
    this.failures.set(screenId, { count: fails, lockedUntil: 0 });
    return { result: { ok: false, reason: 'wrongPin', message: 'wrong PIN' } };
  }

  private locked(retryAfterMs: number): StaffLoginResult {
    return { ok: false, reason: 'locked', message: 'too many wrong PINs; try again later', retryAfterMs };
  }

  private async load(): Promise<{ ok: true; entries: StaffFile } | { ok: false; message: string }> {
    if (!this.opts.path) return { ok: false, message: 'no staff are set up on this gateway' };
    try {
      return { ok: true, entries: StaffFile.parse(JSON.parse(await readFile(this.opts.path, 'utf8'))) };
    } catch (err) {
      return { ok: false, message: `cannot read the staff file: ${(err as Error).message.slice(0, 200)}` };
    }
  }
}
