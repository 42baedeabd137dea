/**
 * The backward pass. It finds the nodes reachable from the outputs (an explicit stack,
 * no recursion: a graph of a 100,000-step loop is fine), counts for each how many edges
 * lead to it, and runs the nodes as their count drops to zero (reverse topological order).
 *
 * Memory: every gradient flowing through the graph belongs to the engine, which counts
 * its uses and disposes it once consumed, so a loop without tidy() does not pile up
 * native memory. Only leaf .grad tensors (kept from tidy scopes with keep()) and
 * retained gradients survive. Each closure runs in its own tidy scope, which frees its
 * temporaries. Without retainGraph each node drops its closure and saved tensors once
 * it has run.
 */
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { keep, tidy } from '../scope';
import { sameShape } from '../shape';
import { Tensor, isTensor } from '../tensor';
import { full } from '../creation';
import { add } from '../ops/binary';
import { add_ } from '../ops/inplace';
import { AutogradError, type GradList, type MultiBackwardFn, type BackwardFn, Node, resolveGradFn, setGradEnabled } from './graph';
import { sumToShape } from './grad_utils';

/** Options of backward() and autograd.grad(). */
export interface BackwardOptions {
  /** Keep the saved tensors so that the graph can be backwarded again (default: createGraph). */
  retainGraph?: boolean;
  /** Record the backward itself, for higher-order gradients (default false). */
  createGraph?: boolean;
}

/** Options of autograd.grad(). */
export interface GradOptions extends BackwardOptions {
  /** Return null for inputs the outputs do not depend on, instead of throwing (default false). */
  allowUnused?: boolean;
}

let pass = 0;

class Run {
  readonly uses = new Map<Tensor, number>();
  /** Gradients given by the caller: never disposed, never adopted as a .grad. */
  readonly protectedSet = new Set<Tensor>();
  readonly nodes: Node[] = [];
  /** autograd.grad: where the gradients of the inputs go (leaf tensor or node output -> slot). */
  captureLeaf: Map<Tensor, number> | null = null;
  captureNode: Map<Node, [number, number][]> | null = null;
  captured: (Tensor | null)[] = [];

  constructor(readonly createGraph: boolean, readonly retainGraph: boolean) {}

  hold(t: Tensor): void {
    this.uses.set(t, (this.uses.get(t) ?? 0) + 1);
  }

  drop(t: Tensor): void {
    const c = (this.uses.get(t) ?? 1) - 1;
    if (c > 0) {
      this.uses.set(t, c);
      return;
    }
    this.uses.delete(t);
    // With createGraph the gradients are part of the new graph (its ops saved them): the
    // enclosing tidy() or the GC frees them.
    if (!this.protectedSet.has(t) && !this.createGraph) t.dispose();
  }

  /** Whether t may be written in place or handed over: this run holds its only use and its memory. */
  exclusive(t: Tensor): boolean {
    return this.uses.get(t) === 1 && !this.protectedSet.has(t) && t.storage.refs === 1 && t.isContiguous() && !t.requiresGrad;
  }

  /** g summed to `input`'s shape and cast to its dtype (held); g is dropped when replaced. */
  conform(g: Tensor, input: Tensor, node: Node, i: number): Tensor {
    let v = g;
    if (!sameShape(v.shape, input.shape)) {
      try {
        v = sumToShape(v, input.shape);
      } catch {
        throw new AutogradError('backward', `the backward of '${node.name}' returned a gradient of shape ${fmtShape(g.shape)} for its input ${i} of shape ${fmtShape(input.shape)}`);
      }
    }
    if (v.dtype !== input.dtype) {
      const c = v.to(input.dtype);
      if (v !== g) v.dispose();
      v = c;
    }
    if (v !== g) {
      this.hold(v);
      this.drop(g);
    }
    return v;
  }

  /** Adds held gradient g into slot `slot` of buf (both held); returns what the slot holds now. */
  sum(prev: Tensor | null, g: Tensor): Tensor {
    if (prev === null) return g;
    if (!this.createGraph && this.exclusive(prev) && sameShape(prev.shape, g.shape) && prev.dtype === g.dtype) {
      add_(prev, g);
      this.drop(g);
      return prev;
    }
    const s = add(prev, g);
    this.hold(s);
    this.drop(prev);
    this.drop(g);
    return s;
  }

  /** Accumulates held gradient g into t.grad (a leaf, or a retained non-leaf). */
  accumulate(t: Tensor, g: Tensor, keepIt: boolean): void {
    const old = t.grad;
    if (old === null || old.isDisposed) {
      let ng: Tensor;
      if (this.exclusive(g) || (this.createGraph && this.uses.get(g) === 1 && !this.protectedSet.has(g) && g.storage.refs === 1 && g.isContiguous())) {
        this.uses.delete(g);
        ng = g;
      } else {
        ng = g.clone();
        this.drop(g);
      }
      t.grad = keepIt ? keep(ng) : ng;
      return;
    }
    if (!this.createGraph && !old.requiresGrad) {
      add_(old, g);
      this.drop(g);
      return;
    }
    const s = add(old, g);
    t.grad = keepIt ? keep(s) : s;
    if (!old.requiresGrad) old.dispose();
    this.drop(g);
  }

  /** Sends held gradient g along input edge i of node (to a leaf or to the next node's buffer). */
  route(node: Node, i: number, g: Tensor): void {
    const input = node.inputs[i] as Tensor;
    const v = this.conform(g, input, node, i);
    const next = node.nextFns[i];
    if (next === null) {
      const slot = this.captureLeaf?.get(input);
      if (slot !== undefined) this.captured[slot] = this.sum(this.captured[slot], v);
      else if (this.captureLeaf === null) this.accumulate(input, v, true);
      else this.drop(v);
      return;
    }
    const buf = next.buf ?? (next.buf = new Array(next.numOutputs).fill(null));
    const nr = node.nextNrs[i];
    buf[nr] = this.sum(buf[nr], v);
  }

  /** Throws when a saved tensor was modified in place or disposed since it was saved. */
  checkSaved(node: Node): void {
    const saved = node.saved;
    if (saved === null) return;
    const versions = node.versions as number[];
    for (let k = 0; k < saved.length; k++) {
      const s = saved[k];
      if (s.isDisposed) {
        throw new AutogradError('backward', `a tensor of shape ${fmtShape(s.shape)} (${s.dtype}) saved by '${node.name}' for its gradient was disposed before backward (by dispose() or the end of a tidy() scope); run backward() inside the scope that built the graph`);
      }
      if (s.storage.version !== versions[k]) {
        throw new AutogradError('backward', `one of the tensors needed for gradient computation has been modified by an in-place operation: the ${s.dtype} tensor of shape ${fmtShape(s.shape)} saved by '${node.name}' is at version ${s.storage.version}; expected version ${versions[k]}. Use the out-of-place op, or clone() the tensor before modifying it`);
      }
    }
  }

  execute(node: Node): void {
    const grads = node.buf ?? new Array<Tensor | null>(node.numOutputs).fill(null);
    node.buf = null;
    if (node.retained !== null && this.captureLeaf === null) {
      for (let k = 0; k < grads.length; k++) {
        const r = node.retained[k];
        const g = grads[k];
        if (r !== null && g !== null) {
          this.hold(g);
          this.accumulate(r, g, false);
        }
      }
    }
    const caps = this.captureNode?.get(node);
    if (caps !== undefined) {
      for (const [nr, slot] of caps) {
        const g = grads[nr];
        if (g === null) continue;
        this.hold(g);
        this.captured[slot] = this.sum(this.captured[slot], g);
      }
    }
    let any = false;
    for (const g of grads) if (g !== null) any = true;
    // autograd.grad: a node none of whose inputs leads to a requested tensor does not run.
    if (any && node.wanted !== null && !node.wanted.includes(true)) {
      for (const g of grads) if (g !== null) this.drop(g);
      any = false;
    }
    if (any) {
      const fn = node.fn;
      if (fn === null) {
        throw new AutogradError('backward', `trying to backward through the graph a second time: the saved tensors of '${node.name}' were freed after the first backward. Pass { retainGraph: true } to the first backward() if you need to backward twice`);
      }
      this.checkSaved(node);
      const call = (): GradList =>
        node.numOutputs === 1 ? (fn as BackwardFn)(grads[0] as Tensor, node) : (fn as MultiBackwardFn)(grads, node);
      const results = this.createGraph ? call() : tidy(call);
      if (!Array.isArray(results) || results.length !== node.inputs.length) {
        throw new AutogradError('backward', `the backward of '${node.name}' returned ${Array.isArray(results) ? results.length : typeof results} gradients for ${node.inputs.length} inputs`);
      }
      for (const r of results) if (r) this.hold(r);
      for (const g of grads) if (g !== null) this.drop(g);
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        if (!r) continue;
        if (!node.needs(i)) this.drop(r);
        else this.route(node, i, r);
      }
    }
    if (!this.retainGraph) node.release();
  }

  /** Frees what a failed pass still holds. */
  abort(): void {
    for (const n of this.nodes) n.buf = null;
    for (const t of this.uses.keys()) if (!this.protectedSet.has(t)) t.dispose();
    this.uses.clear();
    for (const t of this.captured) t?.dispose();
  }
}

function checkRoots(op: string, tensors: unknown, grads: unknown): [Tensor[], (Tensor | null | undefined)[]] {
  const list = Array.isArray(tensors) ? tensors : [tensors];
  if (list.length === 0) throw new ArgumentError(op, 'expected at least one output tensor');
  list.forEach((t, i) => {
    if (!isTensor(t)) throw new ArgumentError(op, `output ${i} is not a Tensor (got ${t === null ? 'null' : typeof t})`);
    t.handle(op);
    if (!t.requiresGrad) throw new AutogradError(op, `element ${i} of tensors does not require grad and does not have a gradFn (shape ${fmtShape(t.shape)}, ${t.dtype}); did you compute it inside noGrad(), or forget requiresGrad?`);
  });
  let gl: (Tensor | null | undefined)[];
  if (grads === undefined || grads === null) gl = list.map(() => undefined);
  else if (Array.isArray(grads)) gl = grads;
  else gl = [grads as Tensor];
  if (gl.length !== list.length) throw new ArgumentError(op, `got ${gl.length} gradients for ${list.length} outputs`);
  return [list as Tensor[], gl];
}

/**
 * autograd.grad computes only what the requested tensors need (as PyTorch): marks on each
 * node which input edges lead to one of them (node.wanted, read by node.needs), so that
 * backward closures skip the others (a GAN critic's weight gradients when only the input
 * gradient is asked for). Leads-to is found in reverse topological order (Kahn's order
 * over the counted edges, read backwards).
 */
function markWanted(r: Run): void {
  const left = new Map<Node, number>();
  const order: Node[] = [];
  for (const n of r.nodes) {
    left.set(n, n.deps);
    if (n.deps === 0) order.push(n);
  }
  for (let k = 0; k < order.length; k++) {
    for (const next of order[k].nextFns) {
      if (next === null) continue;
      const d = (left.get(next) as number) - 1;
      left.set(next, d);
      if (d === 0) order.push(next);
    }
  }
  const leads = new Set<Node>();
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k];
    const wanted = n.inputs.map((t, i) => {
      if (t === null) return false;
      const next = n.nextFns[i];
      return next === null ? (r.captureLeaf as Map<Tensor, number>).has(t) : leads.has(next) || (r.captureNode as Map<Node, unknown>).has(next);
    });
    if (wanted.includes(true)) leads.add(n);
    n.wanted = wanted;
  }
}

/**
 * Runs a backward pass from `roots`. With `capture`, gradients of those tensors are
 * returned instead of accumulated into .grad (autograd.grad).
 */
function run(op: string, roots: Tensor[], rootGrads: (Tensor | null | undefined)[], opts: BackwardOptions, capture: Tensor[] | null): (Tensor | null)[] {
  const createGraph = Boolean(opts.createGraph);
  const retainGraph = opts.retainGraph ?? createGraph;
  const r = new Run(createGraph, retainGraph);
  const prevMode = setGradEnabled(createGraph);
  try {
    if (capture !== null) {
      r.captureLeaf = new Map();
      r.captureNode = new Map();
      capture.forEach((t, slot) => {
        r.captured.push(null);
        const [f, nr] = resolveGradFn(t.gradFn);
        if (f === null) r.captureLeaf!.set(t, slot);
        else {
          const l = r.captureNode!.get(f) ?? [];
          l.push([nr, slot]);
          r.captureNode!.set(f, l);
        }
      });
    }
    // The gradients of the roots.
    const gs: Tensor[] = [];
    roots.forEach((t, i) => {
      let g = rootGrads[i];
      if (g === undefined || g === null) {
        if (t.size !== 1) throw new AutogradError(op, `grad can be implicitly created only for outputs with one element; the output ${i} has shape ${fmtShape(t.shape)}: pass a gradient of that shape`);
        g = full(t.shape.slice(), 1, { dtype: t.dtype });
      } else {
        if (!isTensor(g)) throw new ArgumentError(op, `gradient ${i} must be a Tensor, got ${typeof g}`);
        g.handle(op);
        if (!sameShape(g.shape, t.shape)) throw new ShapeError(op, `mismatch in shape: gradient ${i} has shape ${fmtShape(g.shape)} and output ${i} has shape ${fmtShape(t.shape)}`);
        r.protectedSet.add(g);
      }
      gs.push(g);
    });
    // Discover the graph and count the edges into each node.
    const epoch = ++pass;
    const stack: Node[] = [];
    const visit = (n: Node): void => {
      if (n.mark === epoch) return;
      n.mark = epoch;
      n.deps = 0;
      n.buf = null;
      r.nodes.push(n);
      stack.push(n);
    };
    for (const t of roots) {
      const [f] = resolveGradFn(t.gradFn);
      if (f !== null) visit(f);
    }
    while (stack.length !== 0) {
      const n = stack.pop() as Node;
      for (const next of n.nextFns) {
        if (next === null) continue;
        visit(next);
        next.deps++;
      }
    }
    if (capture !== null) markWanted(r);
    // Seed the roots' gradients, then run nodes as they become ready.
    const ready: Node[] = [];
    roots.forEach((t, i) => {
      const g = gs[i];
      r.hold(g);
      const [f, nr] = resolveGradFn(t.gradFn);
      if (f === null) {
        const slot = r.captureLeaf?.get(t);
        const v = g.dtype === t.dtype ? g : g.to(t.dtype);
        if (v !== g) {
          r.hold(v);
          r.drop(g);
        }
        if (slot !== undefined) r.captured[slot] = r.sum(r.captured[slot], v);
        else if (r.captureLeaf === null) r.accumulate(t, v, true);
        else r.drop(v);
        return;
      }
      const buf = f.buf ?? (f.buf = new Array(f.numOutputs).fill(null));
      buf[nr] = r.sum(buf[nr], g);
    });
    for (const n of r.nodes) if (n.deps === 0 && n.buf !== null) ready.push(n);
    // roots with no incoming edges but no gradient either (never happens) are skipped
    const queued = new Set<Node>(ready);
    while (ready.length !== 0) {
      const n = ready.pop() as Node;
      r.execute(n);
      for (const next of n.nextFns) {
        if (next === null) continue;
        if (--next.deps === 0 && !queued.has(next)) {
          queued.add(next);
          ready.push(next);
        }
      }
    }
    // Nodes never made ready (all their inputs' gradients were null) still release.
    if (!retainGraph) for (const n of r.nodes) if (!queued.has(n)) n.release();
    const out = r.captured;
    for (const t of out) if (t !== null) r.uses.delete(t);
    return out.map((t) => (t !== null && r.protectedSet.has(t) ? t.clone() : t));
  } catch (e) {
    r.abort();
    throw e;
  } finally {
    for (const n of r.nodes) {
      n.buf = null;
      n.wanted = null;
    }
    setGradEnabled(prevMode);
  }
}

/**
 * Computes the gradients of `tensors` with respect to the graph's leaves and accumulates
 * them into each leaf's .grad (summed over uses and across calls). A one-element output
 * needs no gradient; others need one of their shape, as in PyTorch.
 * @example
 * const loss = x.mul(w).sum();
 * tf.autograd.backward(loss); // same as loss.backward()
 */
export function backward(tensors: Tensor | Tensor[], gradTensors?: Tensor | (Tensor | null | undefined)[] | null, opts: BackwardOptions = {}): void {
  const [roots, grads] = checkRoots('backward', tensors, gradTensors);
  run('backward', roots, grads, opts, null);
}

/**
 * The gradients of `outputs` with respect to `inputs`, returned instead of accumulated
 * into .grad (PyTorch's torch.autograd.grad). With createGraph the results are
 * differentiable (higher-order gradients).
 * @param outputs tensors (one-element ones need no gradOutputs)
 * @param inputs tensors that require grad (leaves or intermediate results)
 * @returns one gradient per input (null for unused inputs with allowUnused)
 * @example
 * const [dx] = tf.autograd.grad(x.pow(3).sum(), [x], undefined, { createGraph: true });
 * const [d2x] = tf.autograd.grad(dx.sum(), [x]); // 6x
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], gradOutputs?: Tensor | (Tensor | null | undefined)[] | null, opts: GradOptions = {}): (Tensor | null)[] {
  const [roots, grads] = checkRoots('grad', outputs, gradOutputs);
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  ins.forEach((t, i) => {
    if (!isTensor(t)) throw new ArgumentError('grad', `input ${i} is not a Tensor`);
    if (!t.requiresGrad) throw new AutogradError('grad', `input ${i} (shape ${fmtShape(t.shape)}) does not require grad`);
  });
  const res = run('grad', roots, grads, opts, ins);
  if (!opts.allowUnused) {
    const k = res.findIndex((t) => t === null);
    if (k >= 0) {
      for (const t of res) t?.dispose();
      throw new AutogradError('grad', `input ${k} (shape ${fmtShape(ins[k].shape)}) was not used in the graph of the outputs; pass { allowUnused: true } to get null for it`);
    }
  }
  return res;
}
