import {
  ApiError,
  Catalog,
  CustomerProfile,
  type Product,
  type PurchaseBatch,
  PurchaseBatchResult,
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

/** The gateway's HTTP link to cloud-sync. Every answer is validated against its contract. */
export class CloudClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async catalog(): Promise<Product[]> {
    return (await this.request('GET', '/v1/catalog', Catalog)).items;
  }

  async profile(customerId: string): Promise<CustomerProfile | null> {
    try {
      return await this.request('GET', `/v1/customers/${encodeURIComponent(customerId)}`, CustomerProfile);
    } catch (err) {
      if (err instanceof CloudError && err.status === 404) return null;
      throw err;
    }
  }

  pushPurchases(batch: PurchaseBatch): Promise<PurchaseBatchResult> {
    return this.request(
      'POST',
      `/v1/stores/${encodeURIComponent(batch.storeId)}/purchases`,
      PurchaseBatchResult,
      batch,
    );
  }

  private async request<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const url = new URL(path, this.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new CloudError(`cloud unreachable at ${this.baseUrl}: ${(err as Error).message}`);
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const apiError = ApiError.safeParse(json);
      const detail = apiError.success ? apiError.data.error.message : res.statusText;
      throw new CloudError(`${method} ${path} → ${res.status}: ${detail}`, res.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new CloudError(`${method} ${path}: answer does not match the contract`, res.status);
    return parsed.data;
  }
}
