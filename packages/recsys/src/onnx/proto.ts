// onnx-proto is a CommonJS bundle (`module.exports = { onnx }`), so Node's ESM loader exposes it only as a
// default export and `import { onnx } from 'onnx-proto'` fails at runtime. This alias re-exports the namespace
// with both its values (onnx.ModelProto.encode) and its types (onnx.IModelProto) intact.
import onnxProto from 'onnx-proto';

export import onnx = onnxProto.onnx;
