import type { FeatureContext } from '../feature';

/** Registers the training routes. */
export function registerTrainingRoutes(_ctx: FeatureContext): void {}

/** The training schedule's settings (CloudOptions.training). */
// biome-ignore lint/complexity/noBannedTypes: filled in by the training feature
export type TrainingOptions = {};

/** Starts the scheduled training runs; returns what stops them (called when the app closes). */
export function startTrainingSchedule(_ctx: FeatureContext, _opts: TrainingOptions | undefined): () => Promise<void> {
  return async () => {};
}
