import { ModelRelease, StoreId } from '@aisle/contracts';
import type {
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { requireOperator, requireStoreOrOperator } from './auth';
import { HttpError, notFound, parseOr400 } from './http';
import type { CloudStore } from './store';

/** The two files every model folder has (@aisle/recsys saveModel writes them). */
export const CARD_FILE = 'model.json';
export const MODEL_FILE = 'model.onnx';

const Version = ModelRelease.shape.version;
const FileName = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a plain file name');
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** Body of `PUT /v1/stores/:storeId/models/:version`. */
export const PublishModelRequest = z
  .object({ kind: ModelRelease.shape.kind, rollout: ModelRelease.shape.rollout })
  .strict();
export type PublishModelRequest = z.infer<typeof PublishModelRequest>;

/** The parts of a model card (model.json) the registry checks a release against; the rest is the gateway's. */
const CardRefs = z.object({
  kind: z.string().optional(),
  version: z.string().optional(),
  sha256: Sha256.optional(),
  files: z.record(z.string(), Sha256).optional(),
});

const params = (req: { params: unknown }) => req.params as Record<string, string>;
const versionOf = (p: Record<string, string>) => parseOr400(Version, p.version, 'invalid_id', 'bad model version');
const fileNameOf = (p: Record<string, string>) => parseOr400(FileName, p.name, 'invalid_id', 'bad file name');

/**
 * The model registry: files are uploaded per version (sha256 computed here), then a version is published to a
 * store with a rollout; gateways list their releases and download the files.
 */
export function registerModelRoutes(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger>,
  store: CloudStore,
  opts: { now: () => number; fileLimit: number },
): void {
  // Raw bytes only on the upload route, with its own body limit; every other route keeps JSON and the small limit.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    scope.put('/v1/models/:version/files/:name', { bodyLimit: opts.fileLimit }, async (req, reply) => {
      requireOperator(req);
      const version = versionOf(params(req));
      const name = fileNameOf(params(req));
      if (!Buffer.isBuffer(req.body))
        throw new HttpError(400, 'invalid_body', 'expected the file as an application/octet-stream body');
      const result = await store.putModelFile(version, name, req.body, opts.now());
      if (result.status === 'published')
        throw new HttpError(409, 'version_published', `version ${version} is published; its files cannot change`);
      return reply.code(result.status === 'stored' ? 201 : 200).send({ version, name, sha256: result.sha256 });
    });
  });

  /** The operator, or a store the version was published to; to any other store the file does not exist (404). */
  app.get('/v1/models/:version/files/:name', async (req, reply) => {
    const version = versionOf(params(req));
    const name = fileNameOf(params(req));
    const principal = req.principal;
    if (principal?.kind === 'store' && !(await store.hasRelease(principal.storeId, version)))
      throw notFound('no such model file');
    const file = await store.modelFile(version, name);
    if (!file) throw notFound('no such model file');
    return reply.type('application/octet-stream').header('etag', `"${file.sha256}"`).send(file.bytes);
  });

  app.put('/v1/stores/:storeId/models/:version', async (req) => {
    requireOperator(req);
    const storeId = parseOr400(StoreId, params(req).storeId, 'invalid_id', 'bad store id');
    const version = versionOf(params(req));
    const body = parseOr400(PublishModelRequest, req.body, 'invalid_body', 'body does not match { kind, rollout }');
    const release: ModelRelease = {
      version,
      kind: body.kind,
      files: await releaseFiles(store, version, body.kind),
      rollout: body.rollout,
      createdAt: opts.now(),
    };
    if (!(await store.putRelease(storeId, release)))
      throw new HttpError(409, 'model_changed', `files of ${version} changed while publishing; publish again`);
    return release;
  });

  app.get('/v1/stores/:storeId/models', async (req) => {
    requireStoreOrOperator(req, params(req).storeId ?? '');
    return { releases: await store.releases(parseOr400(StoreId, params(req).storeId, 'invalid_id', 'bad store id')) };
  });
}

/**
 * The files a release of `version` consists of, with their sha256: model.json, model.onnx and every file the card
 * lists. Refuses (409) a version whose files are missing or do not match what its card says.
 */
async function releaseFiles(store: CloudStore, version: string, kind: string): Promise<Record<string, string>> {
  const card = await store.modelFile(version, CARD_FILE);
  const onnx = await store.modelFileSha(version, MODEL_FILE);
  if (!card || !onnx)
    throw new HttpError(409, 'incomplete_model', `upload ${CARD_FILE} and ${MODEL_FILE} of ${version} first`);
  let json: unknown;
  try {
    json = JSON.parse(card.bytes.toString('utf8'));
  } catch {
    throw new HttpError(409, 'invalid_card', `${CARD_FILE} of ${version} is not JSON`);
  }
  const refs = CardRefs.safeParse(json);
  if (!refs.success) throw new HttpError(409, 'invalid_card', `${CARD_FILE} of ${version} is not a model card`);
  if (refs.data.kind !== undefined && refs.data.kind !== kind)
    throw new HttpError(409, 'kind_mismatch', `${CARD_FILE} says kind ${refs.data.kind}, not ${kind}`);
  if (refs.data.version !== undefined && refs.data.version !== version)
    throw new HttpError(409, 'version_mismatch', `${CARD_FILE} says version ${refs.data.version}, not ${version}`);
  if (refs.data.sha256 !== undefined && refs.data.sha256 !== onnx)
    throw new HttpError(409, 'checksum_mismatch', `${MODEL_FILE} of ${version} is not the one its card describes`);
  const files: Record<string, string> = { [CARD_FILE]: card.sha256, [MODEL_FILE]: onnx };
  const missing: string[] = [];
  for (const [name, sha256] of Object.entries(refs.data.files ?? {})) {
    const stored = FileName.safeParse(name).success ? await store.modelFileSha(version, name) : undefined;
    if (stored === undefined) missing.push(name);
    else if (stored !== sha256)
      throw new HttpError(409, 'checksum_mismatch', `${name} of ${version} is not the one its card describes`);
    else files[name] = stored;
  }
  if (missing.length > 0)
    throw new HttpError(409, 'incomplete_model', `files of ${version} not uploaded yet: ${missing.join(', ')}`);
  return files;
}
