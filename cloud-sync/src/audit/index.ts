import type { FeatureContext } from '../feature';

/*
 * The append-only, hash-chained audit log and versioned policy texts (issue #8).
 */

export function registerAuditRoutes(_ctx: FeatureContext): void {}
