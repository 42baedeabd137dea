// A minimal ONNX model writer: just the protobuf fields needed to describe a graph of
// standard ops with float inputs, so the onnxruntime peer needs no Python to build its
// models. Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, ...).

class Writer {
  constructor() {
    this.bytes = [];
  }
  varint(v) {
    let n = BigInt(v);
    if (n < 0n) n += 1n << 64n;
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n) b |= 0x80;
      this.bytes.push(b);
    } while (n);
    return this;
  }
  tag(field, wire) {
    return this.varint((field << 3) | wire);
  }
  int(field, v) {
    return this.tag(field, 0).varint(v);
  }
  bytesField(field, data) {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }
  str(field, s) {
    return this.bytesField(field, new TextEncoder().encode(s));
  }
  msg(field, w) {
    return this.bytesField(field, w.bytes);
  }
  float(field, v) {
    this.tag(field, 5);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    for (const x of b) this.bytes.push(x);
    return this;
  }
}

const FLOAT = 1;
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 };

// shape null: rank and sizes left for onnxruntime to infer.
function valueInfo(name, shape) {
  const tensorType = new Writer().int(1, FLOAT);
  if (shape) {
    const shapeW = new Writer();
    for (const d of shape) shapeW.msg(1, new Writer().int(1, d));
    tensorType.msg(2, shapeW);
  }
  return new Writer().str(1, name).msg(2, new Writer().msg(1, tensorType));
}

function attribute(name, value) {
  const w = new Writer().str(1, name);
  if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    return w.int(20, ATTR.INTS);
  }
  if (typeof value === 'string') return w.bytesField(4, new TextEncoder().encode(value)).int(20, ATTR.STRING);
  if (Number.isInteger(value)) return w.int(3, value).int(20, ATTR.INT);
  return w.float(2, value).int(20, ATTR.FLOAT);
}

/** A float32 initializer (constant weight) of the given shape and values. */
export function initializer(name, shape, values) {
  return { name, shape, values: values instanceof Float32Array ? values : Float32Array.from(values) };
}

/**
 * Builds a model. nodes: [{ op, inputs, outputs, attrs? }], inputs/outputs:
 * [{ name, shape }], initializers: from initializer(). Returns the serialized bytes.
 */
export function buildModel({ nodes, inputs, outputs, initializers = [], opset = 17 }) {
  const graph = new Writer();
  nodes.forEach((n, i) => {
    const node = new Writer();
    for (const x of n.inputs) node.str(1, x);
    for (const y of n.outputs) node.str(2, y);
    node.str(3, `${n.op}_${i}`).str(4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) node.msg(5, attribute(k, v));
    graph.msg(1, node);
  });
  graph.str(2, 'bench');
  for (const t of initializers) {
    const tw = new Writer();
    for (const d of t.shape) tw.int(1, d);
    tw.int(2, FLOAT).str(8, t.name).bytesField(9, new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength));
    graph.msg(5, tw);
  }
  for (const v of inputs) graph.msg(11, valueInfo(v.name, v.shape));
  for (const v of outputs) graph.msg(12, valueInfo(v.name, v.shape));
  const model = new Writer().int(1, 8).str(2, 'tensorforge-bench').msg(7, graph).msg(8, new Writer().str(1, '').int(2, opset));
  return Uint8Array.from(model.bytes);
}
