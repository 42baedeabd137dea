// An ONNX LSTM or GRU node (one layer, forward direction) holding the weights of a
// PyTorch-layout layer, with the gates reordered: PyTorch's LSTM i,f,g,o become ONNX's
// i,o,f,c, and GRU r,z,n become z,r,h, with linear_before_reset = 1 (PyTorch's GRU formula,
// r multiplying W_hn h + b_hn). bench/rnn-onnx-check.mjs checks that onnxruntime then gives
// tensorforge's outputs.
import { buildModel } from './onnx-model.mjs';

/**
 * w: { cell: 'lstm' | 'gru', T, B, I, H }; weights (optional): { w_ih, w_hh, b_ih, b_hh },
 * Float32Arrays in PyTorch's layouts ([G*H, I], [G*H, H], [G*H], [G*H]); random when omitted.
 */
export function onnxRnnModel(w, weights = null) {
  const G = w.cell === 'lstm' ? 4 : 3;
  const H = w.H;
  let seed = 1;
  const rnd = (n) => Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) / 8);
  const src = weights ?? { w_ih: rnd(G * H * w.I), w_hh: rnd(G * H * H), b_ih: rnd(G * H), b_hh: rnd(G * H) };
  // ONNX gate k is PyTorch gate order[k].
  const order = w.cell === 'lstm' ? [0, 3, 1, 2] : [1, 0, 2];
  const reorder = (a, rowLen) => {
    const out = new Float32Array(a.length);
    order.forEach((from, to) => out.set(a.subarray(from * H * rowLen, (from + 1) * H * rowLen), to * H * rowLen));
    return out;
  };
  const Bv = new Float32Array(2 * G * H);
  Bv.set(reorder(src.b_ih, 1), 0);
  Bv.set(reorder(src.b_hh, 1), G * H);
  const op = w.cell === 'lstm' ? 'LSTM' : 'GRU';
  const attrs = { hidden_size: H, ...(w.cell === 'gru' ? { linear_before_reset: 1 } : {}) };
  return buildModel({
    nodes: [{ op, inputs: ['x0', 'W', 'R', 'B'], outputs: w.cell === 'lstm' ? ['y', 'yh', 'yc'] : ['y', 'yh'], attrs }],
    inputs: [{ name: 'x0', shape: [w.T, w.B, w.I] }],
    outputs: [{ name: 'y', shape: null }],
    initializers: [
      { name: 'W', shape: [1, G * H, w.I], values: reorder(src.w_ih, w.I) },
      { name: 'R', shape: [1, G * H, H], values: reorder(src.w_hh, H) },
      { name: 'B', shape: [1, 2 * G * H], values: Bv },
    ],
  });
}
