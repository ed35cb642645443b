export { type Cloud, type CloudOptions, CloudSeed, type CloudSeedInput, createCloud, ProfileQuery } from './app';
export {
  OPERATOR_ID,
  operatorToken,
  type Principal,
  StoreCredential,
  storeToken,
} from './auth';
export { CARD_FILE, MODEL_FILE, PublishModelRequest } from './registry';
export { publishModel, type RegistryTarget } from './registry-client';
export {
  CloudStore,
  CloudStoreError,
  type CloudTables,
  parseDatabaseUrl,
  SCHEMA_VERSION,
  SeqConflictError,
} from './store';
