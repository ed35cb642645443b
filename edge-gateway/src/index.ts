export { GatewayConfig, type GatewayConfigInput } from './config';
export { GatewayError } from './errors';
export { createGateway, type Gateway, type GatewayDeps, type ListeningGateway } from './gateway';
export { createLogger } from './logger';
