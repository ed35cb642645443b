/** The broker on its own (`@aisle/edge-gateway/broker`), for tools that need no whole gateway. */
export { GatewayError } from '../errors';
export { createLogger } from '../logger';
export { conformancePolicy } from './conformance';
export { type DeviceMessage, EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded';
export { type BrokerPolicy, openPolicy } from './policy';
