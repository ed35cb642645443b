import type { HistoryEntry } from './models/scorer';

/** What serving knows about a shopper at request time; shared by every model in this package. */
export interface ShopperState {
  /** Presence per zone id (any non-negative scale; normalised before use). Unknown zone ids are ignored. */
  zoneWeights?: Record<string, number>;
  /**
   * Items the shopper interacted with, oldest first (history models). A string is an interaction of weight 1 whose
   * age is its position from the end; `{ item, weight, age }` says both. Unknown ids are ignored.
   */
  history?: readonly HistoryEntry[];
  /** Item ids never to recommend (already in the basket, out of stock, ...). Unknown ids are ignored. */
  exclude?: readonly string[];
}

export interface RankedItem {
  itemId: string;
  score: number;
}
