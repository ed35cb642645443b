import type { TrainingRun } from '@aisle/contracts';
import type { FeatureContext } from '../feature';
import { purchasesReceivedAfter } from './dataset';
import { startRun, trainingState } from './run';
import { latestModel, RunInProgressError } from './runs';

export interface ScheduleSettings {
  rollout: TrainingRun['rollout'];
  minPurchases: number;
}

/**
 * One tick of the schedule: a run to its end, unless one is in progress or fewer than `minPurchases` purchases
 * arrived since the data of the last successful run (a failed run does not count, so the next tick retries).
 */
export async function scheduledRun(
  ctx: FeatureContext,
  settings: ScheduleSettings,
): Promise<{ run: TrainingRun } | { skipped: string }> {
  if (trainingState(ctx).current) return { skipped: 'a run is in progress' };
  const since = (await latestModel(ctx.store))?.dataUntil ?? -1;
  const fresh = await purchasesReceivedAfter(ctx.store, since);
  if (fresh < settings.minPurchases)
    return { skipped: `${fresh} new purchases since the last model, fewer than ${settings.minPurchases}` };
  try {
    const { finished } = await startRun(ctx, { trigger: 'schedule', rollout: settings.rollout });
    return { run: await finished };
  } catch (err) {
    if (err instanceof RunInProgressError) return { skipped: err.message };
    throw err;
  }
}
