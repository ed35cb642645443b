export { CATEGORIES, demoCatalog } from './catalog';
export { demoHistory } from './history';
export { createRng, type Rng } from './random';
export { type Publish, ShopperSimulation, type SimulationOptions } from './shoppers';
export { demoCustomers, demoFloorPlan } from './store';
