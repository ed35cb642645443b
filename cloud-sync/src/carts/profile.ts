import type { CartLine, ProfilePurchase } from '@aisle/contracts';
import type { FeatureContext } from '../feature';
import { profileLines, storedCart } from './cart';

/** Most recent purchases a profile keeps (its schema's cap). */
const RECENT_PURCHASES = 200;

/**
 * Writes a customer's cart (and any `purchases` not in it yet) into their profile, so the stores caching it see the
 * change on their next pull. Run after the cart's transaction committed: it reads the committed cart, and
 * `updateCustomer` retries on a profile another writer changed meanwhile, so no writer loses another's result.
 * A customer whose cart was never edited keeps the profile's cart.
 */
export async function syncProfile(
  ctx: FeatureContext,
  customerId: string,
  purchases: readonly ProfilePurchase[] = [],
): Promise<void> {
  await ctx.store.updateCustomer(customerId, async (profile) => {
    const cart = await storedCart(ctx.store.db, customerId);
    const onlineCart = cart ? profileLines(cart) : profile.onlineCart;
    const missing = purchases.filter((p) => !profile.recentPurchases.some((r) => samePurchase(r, p)));
    if (missing.length === 0 && sameCart(profile.onlineCart, onlineCart)) return undefined;
    const recentPurchases = [...profile.recentPurchases, ...missing]
      .sort((a, b) => a.at - b.at)
      .slice(-RECENT_PURCHASES);
    return { ...profile, onlineCart, recentPurchases, updatedAt: Math.max(profile.updatedAt, ctx.now()) };
  });
}

const samePurchase = (a: ProfilePurchase, b: ProfilePurchase) =>
  a.itemId === b.itemId && a.at === b.at && a.channel === b.channel;

function sameCart(a: readonly CartLine[], b: readonly CartLine[]): boolean {
  return (
    a.length === b.length &&
    a.every((l, i) => l.itemId === b[i]!.itemId && l.quantity === b[i]!.quantity && l.addedAt === b[i]!.addedAt)
  );
}
