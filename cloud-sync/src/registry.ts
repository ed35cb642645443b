import { ModelRelease, ModelReleases, StoreId } from '@aisle/contracts';
import { z } from 'zod';
import { requireOperator } from './auth';
import type { FeatureContext } from './feature';
import { HttpError, notFound, parseOr400 } from './http';
import { StorePath } from './route';
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

const UploadedFile = z.object({ version: Version, name: FileName, sha256: Sha256 });

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
export function registerModelRoutes({ routes, store, now }: FeatureContext, fileLimit: number): void {
  const app = routes.app;
  // Raw bytes only on the upload route, with its own body limit; every other route keeps JSON and the small limit.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    scope.put('/v1/models/:version/files/:name', { bodyLimit: fileLimit }, async (req, reply) => {
      requireOperator(req);
      const version = versionOf(params(req));
      const name = fileNameOf(params(req));
      if (!Buffer.isBuffer(req.body))
        throw new HttpError(400, 'invalid_body', 'expected the file as an application/octet-stream body');
      const result = await store.putModelFile(version, name, req.body, now());
      if (result.status === 'published')
        throw new HttpError(409, 'version_published', `version ${version} is published; its files cannot change`);
      return reply.code(result.status === 'stored' ? 201 : 200).send({ version, name, sha256: result.sha256 });
    });
  });

  const FilePath = z.object({ version: Version, name: FileName });
  routes.document({
    method: 'PUT',
    url: '/v1/models/:version/files/:name',
    tag: 'models',
    summary: 'Upload one file of a model version (raw bytes)',
    description: '201 when stored, 200 when the same bytes were there; 409 once the version is published.',
    access: 'operator',
    params: FilePath,
    response: UploadedFile,
    status: 201,
    errors: [409, 413],
    binary: { request: true },
  });
  routes.document({
    method: 'GET',
    url: '/v1/models/:version/files/:name',
    tag: 'models',
    summary: 'Download one file of a model version (raw bytes, ETag = sha256)',
    description: 'The operator, or a store the version was published to; to any other store the file does not exist.',
    access: 'any',
    params: FilePath,
    response: z.unknown(),
    errors: [404],
    binary: { response: true },
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

  routes.add(
    {
      method: 'PUT',
      url: '/v1/stores/:storeId/models/:version',
      tag: 'models',
      summary: 'Publish (or re-publish with another rollout) a model version to a store',
      description: 'The files must be uploaded first and agree with the card (409 otherwise).',
      access: 'operator',
      params: z.object({ storeId: StoreId, version: Version }),
      body: PublishModelRequest,
      response: ModelRelease,
      errors: [409],
    },
    async ({ params: { storeId, version }, body }) => {
      const release: ModelRelease = {
        version,
        kind: body.kind,
        files: await releaseFiles(store, version, body.kind),
        rollout: body.rollout,
        createdAt: now(),
      };
      if (!(await store.putRelease(storeId, release)))
        throw new HttpError(409, 'model_changed', `files of ${version} changed while publishing; publish again`);
      return release;
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/v1/stores/:storeId/models',
      tag: 'models',
      summary: "A store's model releases, oldest first",
      access: 'store',
      params: StorePath,
      response: ModelReleases,
    },
    async ({ params }) => ({ releases: await store.releases(params.storeId) }),
  );
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
