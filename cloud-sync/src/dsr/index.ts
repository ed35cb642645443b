import type { FeatureContext } from '../feature';

/*
 * Data-subject rights (issue #8): export, rectification, erasure, objection, each with a status and an audit trail.
 */

export function registerDsrRoutes(_ctx: FeatureContext): void {}
