export { GatewayConfig, type GatewayConfigInput } from './config';
export { estimateFromLog, parsePolicy, type TargetPolicy } from './decide/ope';
export { DeviceRegistry } from './devices/registry';
export { GatewayError } from './errors';
export { createGateway, type Gateway, type GatewayDeps, type ListeningGateway } from './gateway';
export { createLogger } from './logger';
export { pairScreenInDatabase } from './realtime/pairing';
export { GatewayStore } from './store/db';
