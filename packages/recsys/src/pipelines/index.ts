export { type BasketEvalOptions, type BasketRunOptions, evaluateBaskets, predictBaskets } from './baskets';
export * from './holdout';
export {
  DEFAULT_SEQUENCE_MODEL,
  evaluateSequences,
  predictSequences,
  type SequenceRunOptions,
} from './sequences';
export * from './train';
