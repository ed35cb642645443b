export * from './baskets';
export * from './events';
export * from './sequences';
export { DataError, type DataSource, readLines } from './source';
