export * from './baskets';
export * from './catalog';
export * from './events';
export * from './sequences';
export { DataError, type DataSource, readLines } from './source';
