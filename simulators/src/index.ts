export { CATEGORIES, demoCatalog } from './catalog';
export { type DemoDevice, demoDevices } from './devices';
export { connectFleet, DeviceCredential, type Fleet } from './fleet';
export { demoHistory } from './history';
export { createRng, type Rng } from './random';
export { type Publish, ShopperSimulation, type SimulationOptions } from './shoppers';
export { demoCustomers, demoFloorPlan } from './store';
