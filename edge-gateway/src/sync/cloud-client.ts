import {
  ApiError,
  Catalog,
  CustomerProfile,
  type Identifier,
  InventoryPage,
  type ModelRelease,
  ModelReleases,
  MyDataLink,
  type Product,
  ProfilePage,
  type PurchaseBatch,
  PurchaseBatchResult,
  StoreAssortment,
} from '@aisle/contracts';
import type { z } from 'zod';

export class CloudError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CloudError';
  }
}

/**
 * The gateway's HTTP link to cloud-sync. Every answer is validated against its contract. Requests carry the store's
 * credential (`<storeId>.<secret>`) as `Authorization: Bearer …`.
 */
export class CloudClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly credential?: string,
  ) {}

  async catalog(): Promise<Product[]> {
    return (await this.request('GET', '/v1/catalog', Catalog)).items;
  }

  profile(customerId: string): Promise<CustomerProfile | null> {
    return orNull(this.request('GET', `/v1/customers/${encodeURIComponent(customerId)}`, CustomerProfile));
  }

  /** The profiles the store caches that changed after `cursor`, at most `limit` (cloud-sync allows 1..2000). */
  profilePage(storeId: string, cursor: number, limit: number): Promise<ProfilePage> {
    const query = new URLSearchParams({ cursor: String(cursor), limit: String(limit) });
    return this.request('GET', `/v1/stores/${encodeURIComponent(storeId)}/profiles?${query}`, ProfilePage);
  }

  /**
   * The customer an identifier belongs to, for a store that does not cache them (the cloud puts the store in the
   * customer's scope for a while, so the profile feed carries their changes), or null when nobody has it.
   */
  lookupCustomer(storeId: string, identifier: Identifier): Promise<CustomerProfile | null> {
    const path = `/v1/stores/${encodeURIComponent(storeId)}/customers/lookup`;
    return orNull(this.request('POST', path, CustomerProfile, identifier));
  }

  /** A personal "my data" link for a customer in the store's scope (shown as a QR code at the kiosk). */
  myDataLink(storeId: string, customerId: string): Promise<MyDataLink> {
    const path = `/v1/stores/${encodeURIComponent(storeId)}/customers/${encodeURIComponent(customerId)}/my-data-link`;
    return this.request('POST', path, MyDataLink);
  }

  /** The store's stock and promotions, or null when the cloud has none for it yet. */
  assortment(storeId: string): Promise<StoreAssortment | null> {
    return orNull(this.request('GET', `/v1/stores/${encodeURIComponent(storeId)}/assortment`, StoreAssortment));
  }

  /** The model versions published for the store, newest `createdAt` last. */
  async modelReleases(storeId: string): Promise<ModelRelease[]> {
    return (await this.request('GET', `/v1/stores/${encodeURIComponent(storeId)}/models`, ModelReleases)).releases;
  }

  /** One file of a model version, as bytes; the caller checks it against the release's sha256. */
  async modelFile(version: string, name: string): Promise<Buffer> {
    const path = `/v1/models/${encodeURIComponent(version)}/files/${encodeURIComponent(name)}`;
    return this.send('GET', path, undefined, async (res) => {
      try {
        return Buffer.from(await res.arrayBuffer());
      } catch (err) {
        throw new CloudError(`GET ${path}: download failed: ${(err as Error).message}`, res.status);
      }
    });
  }

  pushPurchases(batch: PurchaseBatch): Promise<PurchaseBatchResult> {
    return this.request(
      'POST',
      `/v1/stores/${encodeURIComponent(batch.storeId)}/purchases`,
      PurchaseBatchResult,
      batch,
    );
  }

  private request<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    return this.send(method, path, body, async (res) => {
      const json: unknown = await res.json().catch(() => undefined);
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new CloudError(`${method} ${path}: answer does not match the contract`, res.status);
      return parsed.data;
    });
  }

  /**
   * Sends a request and reads its answer with `read`, all within the timeout; an unreachable cloud or a non-2xx
   * answer is a CloudError.
   */
  private async send<T>(method: string, path: string, body: unknown, read: (res: Response) => Promise<T>): Promise<T> {
    const url = new URL(path, this.baseUrl);
    // A timer of our own rather than AbortSignal.timeout, whose timer does not keep the process alive: a connection
    // reset at the wrong moment can leave fetch pending with no socket left, and a gateway that was still starting
    // (fetching the catalog, nothing else running yet) then simply exited (found by chaos:sync).
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new DOMException(`no answer within ${this.timeoutMs} ms`, 'TimeoutError')),
      this.timeoutMs,
    );
    try {
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            ...(body !== undefined && { 'content-type': 'application/json' }),
            ...(this.credential !== undefined && { authorization: `Bearer ${this.credential}` }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: abort.signal,
        });
      } catch (err) {
        throw new CloudError(`cloud unreachable at ${this.baseUrl}: ${(err as Error).message}`);
      }
      if (!res.ok) {
        const apiError = ApiError.safeParse(await res.json().catch(() => undefined));
        const detail = apiError.success ? apiError.data.error.message : res.statusText;
        throw new CloudError(`${method} ${path} → ${res.status}: ${detail}`, res.status);
      }
      return await read(res);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The store's stock changed after `cursor` (levels, tombstones), at most `limit` (cloud-sync allows 1..2000). */
  inventoryPage(storeId: string, cursor: number, limit: number): Promise<InventoryPage> {
    const query = new URLSearchParams({ cursor: String(cursor), limit: String(limit) });
    return this.request('GET', `/v1/stores/${encodeURIComponent(storeId)}/inventory?${query}`, InventoryPage);
  }
}

/** A 404 answer as null (the cloud has no such thing); every other failure is rethrown. */
async function orNull<T>(answer: Promise<T>): Promise<T | null> {
  try {
    return await answer;
  } catch (err) {
    if (err instanceof CloudError && err.status === 404) return null;
    throw err;
  }
}
