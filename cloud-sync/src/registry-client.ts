import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError, ModelRelease } from '@aisle/contracts';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CARD_FILE, MODEL_FILE } from './registry';

/** What publishModel reads from the card: enough to name the release and find its files. */
const CardHead = z.object({
  kind: ModelRelease.shape.kind,
  version: ModelRelease.shape.version,
  files: z.record(z.string(), z.string()).optional(),
});

type Rollout = ModelRelease['rollout'];
/** A cloud-sync base URL, or an app built by createCloud (requests are injected, nothing listens). */
export type RegistryTarget = string | Pick<FastifyInstance, 'inject'>;

interface Answer {
  status: number;
  json(): unknown;
}

async function send(
  target: RegistryTarget,
  credential: string,
  method: 'PUT',
  path: string,
  body: Buffer | object,
): Promise<Answer> {
  const binary = Buffer.isBuffer(body);
  const headers = {
    'content-type': binary ? 'application/octet-stream' : 'application/json',
    authorization: `Bearer ${credential}`,
  };
  const payload = binary ? body : JSON.stringify(body);
  if (typeof target !== 'string') {
    const res = await target.inject({ method, url: path, headers, payload });
    return { status: res.statusCode, json: () => res.json() };
  }
  const res = await fetch(new URL(path, target), { method, headers, body: payload });
  const json: unknown = await res.json().catch(() => undefined);
  return { status: res.status, json: () => json };
}

function check(answer: Answer, what: string): unknown {
  if (answer.status < 300) return answer.json();
  const error = ApiError.safeParse(answer.json());
  throw new Error(`${what} → ${answer.status}: ${error.success ? error.data.error.message : 'no detail'}`);
}

/**
 * Uploads a model folder written by @aisle/recsys saveModel (model.onnx, every file its card lists, then model.json)
 * to cloud-sync's registry and publishes that version to `storeId` with `rollout`. Returns the release.
 * `operator` is the operator's credential token, `admin.<secret>` (only the operator may publish).
 */
export async function publishModel(
  target: RegistryTarget,
  storeId: string,
  dir: string,
  rollout: Rollout,
  operator: string,
): Promise<ModelRelease> {
  const cardBytes = await readFile(join(dir, CARD_FILE));
  const card = CardHead.parse(JSON.parse(cardBytes.toString('utf8')));
  const version = encodeURIComponent(card.version);
  const upload = async (name: string, bytes: Buffer) =>
    check(
      await send(target, operator, 'PUT', `/v1/models/${version}/files/${encodeURIComponent(name)}`, bytes),
      `upload ${name}`,
    );
  await upload(MODEL_FILE, await readFile(join(dir, MODEL_FILE)));
  for (const name of Object.keys(card.files ?? {})) await upload(name, await readFile(join(dir, name)));
  await upload(CARD_FILE, cardBytes);
  const answer = await send(target, operator, 'PUT', `/v1/stores/${encodeURIComponent(storeId)}/models/${version}`, {
    kind: card.kind,
    rollout,
  });
  return ModelRelease.parse(check(answer, `publish ${card.version}`));
}
