export * from './builder';
export { onnx } from './proto';
