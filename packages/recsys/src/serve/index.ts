export type { ModelCard } from '../card';
export type { RankedItem, ShopperState } from '../types';
export * from './recommender';
