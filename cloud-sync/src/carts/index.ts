import type { FeatureContext } from '../feature';

/** Registers the carts routes. */
export function registerCartsRoutes(_ctx: FeatureContext): void {}

/**
 * Called after a store's purchase batch was applied, outside its transaction and before the store gets its answer.
 * A batch sent again calls it again with the same purchases: it must be idempotent.
 */
export async function onCartPurchases(
  _ctx: FeatureContext,
  _storeId: string,
  _purchases: readonly import('@aisle/contracts').PosPurchase[],
): Promise<void> {}
