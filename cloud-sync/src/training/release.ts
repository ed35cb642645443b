import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelCardDocument, ModelRollout, TrainingRun } from '@aisle/contracts';
import { CARD_FILE, MODEL_FILE } from '@aisle/recsys';
import { sql, type Transaction } from 'kysely';
import { appendAudit } from '../audit';
import type { CloudStore, CloudTables } from '../store';

/** `online-<yyyymmddHHMMss>` of `at` (UTC), with `-2`, `-3`, … when a version of that second already exists. */
export async function newVersion(store: CloudStore, at: number): Promise<string> {
  const base = `online-${new Date(at).toISOString().replace(/[-:T]|\.\d+Z$/g, '')}`;
  for (let n = 1; ; n++) {
    const version = n === 1 ? base : `${base}-${n}`;
    // every carded version keeps its files (a released version's files are never removed)
    const taken = await store.db
      .selectFrom('model_files')
      .select('version')
      .where('version', '=', version)
      .executeTakeFirst();
    if (!taken) return version;
  }
}

/**
 * Uploads a model folder (model.onnx, then model.json: the registry's order) into the registry's storage; returns
 * each file's sha256. The version is new, so nothing was published under it.
 */
export async function uploadModel(
  store: CloudStore,
  version: string,
  dir: string,
  at: number,
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of [MODEL_FILE, CARD_FILE]) {
    const result = await store.putModelFile(version, name, await readFile(join(dir, name)), at);
    if (result.status === 'published') throw new Error(`version ${version} was published by someone else`);
    files[name] = result.sha256;
  }
  return files;
}

/** Removes the files of a version no store was given (a run that failed after uploading). */
export async function discardModel(store: CloudStore, version: string): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    const released = await trx
      .selectFrom('model_releases')
      .select('version')
      .where('version', '=', version)
      .executeTakeFirst();
    if (!released) await trx.deleteFrom('model_files').where('version', '=', version).execute();
  });
}

export interface Release {
  runId: string;
  version: string;
  kind: string;
  files: Record<string, string>;
  rollout: ModelRollout;
  stores: readonly string[];
  card: ModelCardDocument;
  metrics: Record<string, number>;
  /** The stages the run finished before the release (which adds itself). */
  stages: TrainingRun['stages'];
  at: number;
}

/**
 * Releases the version to every store, stores its card and marks the run succeeded, in one transaction: a run
 * either released to all its stores with its card, or to none. Each release row takes the next value of the
 * registry's `releases` counter, as the registry's own publish does.
 */
export async function releaseModel(store: CloudStore, release: Release): Promise<void> {
  const started = performance.now();
  await store.db.transaction().execute(async (trx) => {
    if (store.dialect === 'postgres')
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`model:${release.version}`}))`.execute(trx);
    await checkFiles(trx, release.version, release.files);
    for (const storeId of release.stores) {
      const seq = await store.bump(trx, 'releases', 1);
      const row = {
        store_id: storeId,
        version: release.version,
        kind: release.kind,
        files: JSON.stringify(release.files),
        rollout: JSON.stringify(release.rollout),
        created_at: release.at,
        seq,
      };
      await trx.insertInto('model_releases').values(row).execute();
    }
    await trx
      .insertInto('model_cards')
      .values({
        version: release.version,
        run_id: release.runId,
        card: JSON.stringify(release.card),
        created_at: release.at,
      })
      .execute();
    await trx
      .updateTable('training_runs')
      .set({
        status: 'succeeded',
        stage: 'done',
        stages: JSON.stringify([...release.stages, { stage: 'release', ms: Math.round(performance.now() - started) }]),
        version: release.version,
        metrics: JSON.stringify(release.metrics),
        finished_at: release.at,
        updated_at: release.at,
      })
      .where('id', '=', release.runId)
      .execute();
    await appendAudit(trx, {
      actor: 'system:training',
      action: 'model.released',
      subject: release.version,
      detail: { runId: release.runId, kind: release.kind, stores: release.stores },
      at: release.at,
    });
  });
}

/** The registry still holds exactly the files uploaded (nobody replaced one in between). */
async function checkFiles(
  trx: Transaction<CloudTables>,
  version: string,
  files: Record<string, string>,
): Promise<void> {
  const stored = new Map(
    (await trx.selectFrom('model_files').select(['name', 'sha256']).where('version', '=', version).execute()).map(
      (r) => [r.name, r.sha256],
    ),
  );
  for (const [name, sha256] of Object.entries(files))
    if (stored.get(name) !== sha256) throw new Error(`${name} of ${version} changed in the registry while releasing`);
}

/** Every store with a credential (the default targets of a run), in id order. */
export async function storesWithCredentials(store: CloudStore): Promise<string[]> {
  return (await store.db.selectFrom('stores').select('store_id').orderBy('store_id').execute()).map((r) => r.store_id);
}
