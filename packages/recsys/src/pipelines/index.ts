export { evaluateSequences, predictSequences, type SequenceRunOptions } from './sequences';
