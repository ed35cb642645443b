import { PosPurchase } from '@aisle/contracts';
import type { Logger } from 'pino';
import type { GatewayStore } from '../store/db';
import type { CloudClient } from './cloud-client';

export interface OutboxPusherOptions {
  store: GatewayStore;
  cloud: CloudClient;
  storeId: string;
  batchSize: number;
  logger: Logger;
  onResult(ok: boolean): void;
}

/**
 * Sends queued purchases to the cloud in batches, oldest first. A batch is marked sent
 * only after the cloud acknowledged it; the cloud ignores event ids it has seen, so a
 * batch re-sent after a lost answer is harmless.
 */
export function createOutboxPusher(opts: OutboxPusherOptions) {
  let failing = false;
  return async function flush(now: () => number): Promise<number> {
    let sent = 0;
    for (;;) {
      const rows = opts.store.pendingOutbox(opts.batchSize);
      if (rows.length === 0) break;
      const purchases = rows.map((r) => PosPurchase.parse(JSON.parse(r.payload)));
      try {
        await opts.cloud.pushPurchases({ storeId: opts.storeId, purchases });
      } catch (err) {
        if (!failing)
          opts.logger.warn({ err: (err as Error).message, pending: rows.length }, 'cloud push failed; will retry');
        failing = true;
        opts.onResult(false);
        throw err;
      }
      if (failing) opts.logger.info('cloud push recovered');
      failing = false;
      opts.onResult(true);
      opts.store.markOutboxSent(rows.at(-1)!.seq, now());
      sent += rows.length;
      if (rows.length < opts.batchSize) break;
    }
    return sent;
  };
}
