import { randomUUID } from 'node:crypto';
import { ModelCardDocument, ModelRollout, TrainingCounts, TrainingRun, TrainingRunStatus } from '@aisle/contracts';
import { sql } from 'kysely';
import { z } from 'zod';
import type { CloudStore, CloudTables } from '../store';

type RunRow = CloudTables['training_runs'];

/** A `running` row nobody updated for this long was left by a process that stopped mid-run. */
export const ABANDONED_AFTER_MS = 60 * 60 * 1000;

const Metrics = z.record(z.string(), z.number());
const Stages = TrainingRun.shape.stages;

function toRun(r: RunRow): TrainingRun {
  return {
    id: r.id,
    status: TrainingRunStatus.parse(r.status),
    stage: r.stage,
    stages: Stages.parse(JSON.parse(r.stages)),
    trigger: r.triggered_by === 'schedule' ? 'schedule' : 'manual',
    rollout: ModelRollout.parse(JSON.parse(r.rollout)),
    stores: z.array(z.string()).parse(JSON.parse(r.stores)),
    startedAt: Number(r.started_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    counts: r.counts === null ? null : TrainingCounts.parse(JSON.parse(r.counts)),
    metrics: r.metrics === null ? null : Metrics.parse(JSON.parse(r.metrics)),
    version: r.version,
    error: r.error,
  };
}

/** Another run is in progress (in this process or, on a shared database, another one). */
export class RunInProgressError extends Error {
  constructor(readonly runId: string) {
    super(`training run ${runId} is in progress`);
    this.name = 'RunInProgressError';
  }
}

/**
 * Records a new `running` run, unless one is running already (RunInProgressError). A running row not updated for
 * ABANDONED_AFTER_MS is marked failed first. On PostgreSQL an advisory lock makes check-and-insert one step for
 * every process sharing the database; SQLite has one writer.
 */
export async function insertRun(
  store: CloudStore,
  run: { trigger: TrainingRun['trigger']; rollout: TrainingRun['rollout']; stores: string[] },
  at: number,
): Promise<TrainingRun> {
  return store.db.transaction().execute(async (trx) => {
    if (store.dialect === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext('training:run'))`.execute(trx);
    await trx
      .updateTable('training_runs')
      .set({ status: 'failed', finished_at: at, updated_at: at, error: 'abandoned: the process running it stopped' })
      .where('status', '=', 'running')
      .where('updated_at', '<', at - ABANDONED_AFTER_MS)
      .execute();
    const running = await trx
      .selectFrom('training_runs')
      .select('id')
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (running) throw new RunInProgressError(running.id);
    const row: RunRow = {
      id: `run-${randomUUID()}`,
      status: 'running',
      stage: 'queued',
      stages: '[]',
      triggered_by: run.trigger,
      rollout: JSON.stringify(run.rollout),
      stores: JSON.stringify(run.stores),
      started_at: at,
      updated_at: at,
      finished_at: null,
      counts: null,
      metrics: null,
      version: null,
      data_until: null,
      error: null,
    };
    await trx.insertInto('training_runs').values(row).execute();
    return toRun(row);
  });
}

/** Moves a running run to its next stage, with the stages it finished so far. */
export async function setStage(
  store: CloudStore,
  id: string,
  stage: string,
  done: TrainingRun['stages'],
  at: number,
): Promise<void> {
  await store.db
    .updateTable('training_runs')
    .set({ stage, stages: JSON.stringify(done), updated_at: at })
    .where('id', '=', id)
    .execute();
}

/** Records what the run trained on (its counts and the received-time snapshot). */
export async function setCounts(store: CloudStore, id: string, counts: TrainingCounts, at: number): Promise<void> {
  await store.db
    .updateTable('training_runs')
    .set({ counts: JSON.stringify(counts), data_until: counts.until, updated_at: at })
    .where('id', '=', id)
    .execute();
}

export async function failRun(store: CloudStore, id: string, error: string, at: number): Promise<void> {
  await store.db
    .updateTable('training_runs')
    .set({ status: 'failed', error, finished_at: at, updated_at: at })
    .where('id', '=', id)
    .execute();
}

export async function getRun(store: CloudStore, id: string): Promise<TrainingRun | undefined> {
  const row = await store.db.selectFrom('training_runs').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRun(row);
}

/** The newest runs first. */
export async function listRuns(store: CloudStore, limit: number): Promise<TrainingRun[]> {
  const rows = await store.db
    .selectFrom('training_runs')
    .selectAll()
    .orderBy('started_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toRun);
}

/** The model of the newest successful run, with the snapshot time it was trained up to. */
export async function latestModel(store: CloudStore): Promise<{ version: string; dataUntil: number } | undefined> {
  const row = await store.db
    .selectFrom('training_runs')
    .select(['version', 'data_until'])
    .where('status', '=', 'succeeded')
    .orderBy('finished_at', 'desc')
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.version && row.data_until !== null
    ? { version: row.version, dataUntil: Number(row.data_until) }
    : undefined;
}

export async function getCard(store: CloudStore, version: string): Promise<ModelCardDocument | undefined> {
  const row = await store.db.selectFrom('model_cards').select('card').where('version', '=', version).executeTakeFirst();
  return row && ModelCardDocument.parse(JSON.parse(row.card));
}
