export { type BasketRunOptions, predictBaskets } from './baskets';
export { evaluateSequences, predictSequences, type SequenceRunOptions } from './sequences';
