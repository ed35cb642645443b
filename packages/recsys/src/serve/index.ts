export type { ModelCard } from '../card';
export type { HistoryEntry, HistoryEvent } from '../models/scorer';
export type { RankedItem, ShopperState } from '../types';
export * from './recommender';
