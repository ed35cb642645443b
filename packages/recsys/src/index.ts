export * from './card';
export * from './models/zone-popularity';
export * from './save';
export * from './types';
export * from './data';
export * from './eval';
