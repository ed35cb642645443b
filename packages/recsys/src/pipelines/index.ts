export {
  type BasketEvalOptions,
  type BasketRunOptions,
  DEFAULT_BASKET_MODEL,
  evaluateBaskets,
  predictBaskets,
} from './baskets';
export * from './holdout';
export {
  DEFAULT_SEQUENCE_MODEL,
  evaluateSequences,
  predictSequences,
  type SequenceRunOptions,
} from './sequences';
export * from './train';
