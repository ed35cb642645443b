import type { CustomerProfile, ProfilePage } from '@aisle/contracts';
import type { ProfileCache } from './cache';

/** Where profiles come from: the cloud (`CloudClient`) or, in tests, an in-memory twin. */
export interface ProfileSource {
  profilePage(storeId: string, cursor: number, limit: number): Promise<ProfilePage>;
}

export interface PullProfilesOptions {
  source: ProfileSource;
  cache: ProfileCache;
  storeId: string;
  /** Profiles asked for per page. Default 500. */
  pageSize?: number;
  /** Told about each profile applied and the one it replaced (the gateway reacts to cart changes). */
  onProfile?: (profile: CustomerProfile, previous: CustomerProfile | undefined) => void;
}

/** The `sync_cursors` row that remembers how far the profile pull got. */
export const PROFILES_CURSOR = 'profiles';

/**
 * Pages through the profiles changed since the stored cursor, applying each page (its profiles, the
 * customers it says to drop, and its cursor) in one transaction, until the cloud says there is no
 * more. `deleted` counts the drops the cloud sent (some may not have been cached); the erasures among them
 * (`page.erased`) are scrubbed by the cache's erasure hook in the page's transaction. Resumable: when a page fails, the
 * pages before it stay applied and the next pull starts after them. Run one pull per cache at a time.
 *
 * `onProfile` runs after its page is saved; if it throws, the rest of that page is still told,
 * then the first error is thrown (the page is not applied again).
 */
export async function pullProfiles(
  opts: PullProfilesOptions,
): Promise<{ profiles: number; deleted: number; pages: number }> {
  const { source, cache, storeId, onProfile } = opts;
  const pageSize = opts.pageSize ?? 500;
  let cursor = cache.cursor(PROFILES_CURSOR);
  let profiles = 0;
  let removed = 0;
  let pages = 0;
  for (;;) {
    const page = await source.profilePage(storeId, cursor, pageSize);
    const applied: [CustomerProfile, CustomerProfile | undefined][] = [];
    profiles += cache.applyPage(PROFILES_CURSOR, page, onProfile && ((p, previous) => applied.push([p, previous])));
    removed += page.deleted.length;
    pages++;
    if (onProfile) tell(onProfile, applied);
    if (!page.more) break;
    if (page.cursor === cursor && page.profiles.length === 0 && page.deleted.length === 0)
      throw new Error(`profile sync: the cloud says there is more after cursor ${cursor} but sent nothing new`);
    cursor = page.cursor;
  }
  return { profiles, deleted: removed, pages };
}

function tell(
  onProfile: NonNullable<PullProfilesOptions['onProfile']>,
  applied: readonly [CustomerProfile, CustomerProfile | undefined][],
): void {
  let failure: unknown;
  let failed = false;
  for (const [profile, previous] of applied) {
    try {
      onProfile(profile, previous);
    } catch (err) {
      if (!failed) failure = err;
      failed = true;
    }
  }
  if (failed) throw failure;
}
