import { ApiError } from '@aisle/contracts';
import { UsageError } from './command';

/*
 * What the commands that talk to the cloud service (train, fairness, audit) share: reading --cloud and --token,
 * and one JSON request whose failures are said the way an operator can act on.
 */

/** The cloud service and the operator's credential a command talks to it with. */
export interface CloudTarget {
  cloud: URL;
  token: string;
}

/** The `--cloud <url>` and `--token <credential>` options every cloud command takes (node:util parseArgs). */
export const CLOUD_OPTIONS = { cloud: { type: 'string' }, token: { type: 'string' } } as const;

/**
 * --cloud (a URL) and --token (or AISLE_CLOUD_TOKEN), both required; a missing or malformed one is a usage error
 * of `command`.
 */
export function cloudTarget(values: { cloud?: string; token?: string }, command: string): CloudTarget {
  if (!values.cloud) throw new UsageError('--cloud <url> is required', command);
  let cloud: URL;
  try {
    cloud = new URL(values.cloud);
  } catch {
    throw new UsageError(`--cloud must be a URL such as http://127.0.0.1:8090, got '${values.cloud}'`, command);
  }
  const token = values.token ?? process.env.AISLE_CLOUD_TOKEN;
  if (!token) throw new UsageError('--token admin.<secret> is required (or set AISLE_CLOUD_TOKEN)', command);
  return { cloud, token };
}

/** A contract schema, as far as checking an answer needs it. */
export interface Schema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

export interface CloudRequest<T> {
  method?: 'GET' | 'POST';
  /** Path and query, resolved against the cloud's URL. */
  path: string;
  /** Checks the answer. */
  schema: Schema<T>;
  /** Sent as JSON. */
  body?: object;
  /** How long the request may take (default 30 s). */
  timeoutMs?: number;
  /** Names the request in errors (default `<method> <path>`). */
  label?: string;
  /** What the answer should have been, for the error when it is not (default 'expected'). */
  expected?: string;
  /** Messages for statuses the command knows more about, given the cloud's detail. */
  refusals?: Partial<Record<number, (detail: string) => string>>;
}

/** One JSON request to the cloud, its answer checked with `schema`; throws an error an operator can act on. */
export async function cloudRequest<T>(
  { cloud, token }: CloudTarget,
  { method = 'GET', path, schema, body, timeoutMs = 30_000, ...said }: CloudRequest<T>,
): Promise<T> {
  const label = said.label ?? `${method} ${path}`;
  let res: Response;
  try {
    res = await fetch(new URL(path, cloud), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body && { 'content-type': 'application/json' }) },
      ...(body && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    // fetch hides the reason (ECONNREFUSED, ENOTFOUND…) in its cause
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `cannot reach the cloud at ${cloud.origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    );
  }
  const json: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = ApiError.safeParse(json);
    const detail = error.success ? error.data.error.message : 'no detail';
    if (res.status === 401) throw new Error('the cloud refused the token (401): pass --token admin.<secret>');
    if (res.status === 403) throw new Error(`this token is not the operator's (403): ${detail}`);
    const known = said.refusals?.[res.status];
    throw new Error(known ? known(detail) : `${label} → ${res.status}: ${detail}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new Error(`${label}: the cloud answered something else than ${said.expected ?? 'expected'}`);
  return parsed.data;
}
