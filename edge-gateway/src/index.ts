export { GatewayConfig, type GatewayConfigInput } from './config';
export { DeviceRegistry } from './devices/registry';
export { GatewayError } from './errors';
export { createGateway, type Gateway, type GatewayDeps, type ListeningGateway } from './gateway';
export { createLogger } from './logger';
