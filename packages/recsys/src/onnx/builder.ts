import { onnx } from './proto';

/**
 * IR version 8 pairs with opset 17 (ONNX 1.12) and is the newest IR the onnx-proto schema (ONNX 1.10) knows;
 * onnxruntime-node 1.30 reads IR up to 11, so every model this package writes loads there.
 */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;
export const PRODUCER_NAME = '@aisle/recsys';

/** Element types the helpers can write; the names match onnxruntime's `Tensor.Type`. */
export const ELEM_TYPES = ['float32', 'int64'] as const;
export type ElemType = (typeof ELEM_TYPES)[number];

const DATA_TYPE: Record<ElemType, onnx.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
};

/** A graph input or output: a number is a fixed dimension, a string a symbolic one (e.g. 'k'). */
export interface TensorSpec {
  name: string;
  type: ElemType;
  shape: (number | string)[];
}

export function valueInfo(spec: TensorSpec): onnx.IValueInfoProto {
  return {
    name: spec.name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[spec.type],
        shape: { dim: spec.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** A float32 initializer stored as little-endian raw bytes (the compact form the ONNX spec prescribes). */
export function floatTensor(name: string, dims: readonly number[], data: Float32Array): onnx.ITensorProto {
  checkSize(name, dims, data.length);
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return { name, dims: [...dims], dataType: DATA_TYPE.float32, rawData: bytes };
}

/** An int64 initializer stored as little-endian raw bytes. */
export function int64Tensor(
  name: string,
  dims: readonly number[],
  data: readonly (number | bigint)[],
): onnx.ITensorProto {
  checkSize(name, dims, data.length);
  const bytes = new Uint8Array(data.length * 8);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(v), true);
  });
  return { name, dims: [...dims], dataType: DATA_TYPE.int64, rawData: bytes };
}

function checkSize(name: string, dims: readonly number[], length: number): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (expected !== length)
    throw new Error(`tensor ${name}: dims [${dims.join(', ')}] need ${expected} values, got ${length}`);
}

/** Node attributes; one helper per attribute type because a JS number cannot tell int from float. */
export const attr = {
  int: (name: string, i: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
  float: (name: string, f: number): onnx.IAttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.FLOAT,
    f,
  }),
  ints: (name: string, ints: number[]): onnx.IAttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.INTS,
    ints,
  }),
  string: (name: string, s: string): onnx.IAttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.STRING,
    s: new TextEncoder().encode(s),
  }),
};

/** An operator from the default ONNX domain. Named after its first output, which is unique in a valid graph. */
export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: onnx.IAttributeProto[] = [],
): onnx.INodeProto {
  return { opType, name: `${opType}_${outputs[0]}`, input: inputs, output: outputs, attribute: attributes };
}

export interface GraphDefinition {
  name: string;
  doc?: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  initializers: onnx.ITensorProto[];
  /** In topological order. */
  nodes: onnx.INodeProto[];
  /** Stored as ModelProto.metadata_props (readable by any ONNX tool). */
  metadata?: Record<string, string>;
}

/** Serialises a single-graph model on the default domain to ModelProto bytes. */
export function buildModel(def: GraphDefinition): Uint8Array {
  const model: onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: PRODUCER_NAME,
    docString: def.doc ?? '',
    graph: {
      name: def.name,
      input: def.inputs.map(valueInfo),
      output: def.outputs.map(valueInfo),
      initializer: def.initializers,
      node: def.nodes,
    },
    metadataProps: Object.entries(def.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  const problem = onnx.ModelProto.verify(model);
  if (problem) throw new Error(`invalid ONNX model: ${problem}`);
  return onnx.ModelProto.encode(model).finish();
}

/** Parses ModelProto bytes (for tests and tooling; serving goes straight to onnxruntime). */
export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** Reads a float32 initializer back into a Float32Array (raw_data or float_data). */
export function readFloatTensor(tensor: onnx.ITensorProto): Float32Array {
  if (tensor.dataType !== DATA_TYPE.float32) throw new Error(`tensor ${tensor.name}: not float32`);
  if (!tensor.rawData?.length) return Float32Array.from(tensor.floatData ?? []);
  const raw = tensor.rawData;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}
