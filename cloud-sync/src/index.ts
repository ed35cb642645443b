export { type Cloud, type CloudOptions, CloudSeed, createCloud } from './app';
export { CloudStore } from './store';
