/** What serving knows about a shopper at request time; shared by every model in this package. */
export interface ShopperState {
  /** Presence per zone id (any non-negative scale; normalised before use). Unknown zone ids are ignored. */
  zoneWeights?: Record<string, number>;
  /** Items the shopper interacted with, oldest first (sequence models). Unknown ids are ignored. */
  history?: readonly string[];
  /** Item ids never to recommend (already in the basket, out of stock, ...). Unknown ids are ignored. */
  exclude?: readonly string[];
}

export interface RankedItem {
  itemId: string;
  score: number;
}
