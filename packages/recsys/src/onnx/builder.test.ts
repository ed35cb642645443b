import { describe, expect, it } from 'vitest';
import { attr, buildModel, decodeModel, floatTensor, int64Tensor, node, readFloatTensor, valueInfo } from './index';

describe('onnx builder', () => {
  it('stores tensors as little-endian raw bytes', () => {
    const f = floatTensor('f', [2], Float32Array.of(1, -2.5));
    expect(Array.from(f.rawData!)).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]);
    expect(readFloatTensor(f)).toEqual(Float32Array.of(1, -2.5));
    const i = int64Tensor('i', [1], [258n]);
    expect(Array.from(i.rawData!)).toEqual([2, 1, 0, 0, 0, 0, 0, 0]);
    expect(() => floatTensor('bad', [2, 2], new Float32Array(3))).toThrow(
      /tensor bad: dims \[2, 2\] need 4 values, got 3/,
    );
  });

  it('writes fixed and symbolic dimensions', () => {
    const dims = valueInfo({ name: 'x', type: 'float32', shape: [1, 'k'] }).type?.tensorType?.shape?.dim;
    expect(dims).toEqual([{ dimValue: 1 }, { dimParam: 'k' }]);
  });

  it('round-trips a model with its metadata', () => {
    const bytes = buildModel({
      name: 'g',
      inputs: [{ name: 'x', type: 'float32', shape: [3] }],
      outputs: [{ name: 'y', type: 'float32', shape: [3] }],
      initializers: [],
      nodes: [node('Softmax', ['x'], ['y'], [attr.int('axis', 0)])],
      metadata: { 'aisle.version': 'v1' },
    });
    const model = decodeModel(bytes);
    expect(model.graph?.node?.[0]).toMatchObject({ opType: 'Softmax', name: 'Softmax_y', input: ['x'], output: ['y'] });
    expect(model.metadataProps).toEqual([expect.objectContaining({ key: 'aisle.version', value: 'v1' })]);
  });
});
