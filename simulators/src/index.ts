export { type DemoAssortmentOptions, demoAssortment } from './assortment';
export {
  APPAREL_CATEGORIES,
  APPAREL_SIZES,
  CATEGORIES,
  demoCatalog,
  SHOE_SIZES,
  SIZED_CATEGORIES,
} from './catalog';
export { type DemoDevice, demoDevices } from './devices';
export { connectFleet, DeviceCredential, type Fleet, type FleetOptions } from './fleet';
export { demoBaskets, demoHistory } from './history';
export { createRng, type Rng } from './random';
export {
  cartEmptied,
  cartItemsInStock,
  deviceConnections,
  GATEWAY_TIMING,
  lingering,
  onlineCart,
  putBack,
  runScenarioCommand,
  SCENARIO_NAMES,
  type Scenario,
  type ScenarioContext,
  type ScenarioMessage,
  type ScenarioName,
  type ScenarioOptions,
  type ScenarioResult,
  type ScenarioTiming,
  scenarios,
  sizeUnavailable,
  stay,
} from './scenarios';
export { newScreenTokens, SCREEN_TOKENS_FILE } from './screen-tokens';
export { type Publish, ShopperSimulation, type SimulationOptions } from './shoppers';
export {
  demoCustomers,
  demoFloorPlan,
  demoLoyaltyId,
  demoPhone,
  type KnownShopperOptions,
  withKnownShoppers,
} from './store';
export {
  runWebShopCommand,
  WebShop,
  type WebShopAction,
  WebShopError,
  type WebShopOptions,
  type WebShopStats,
} from './webshop';
