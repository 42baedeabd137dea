/**
 * Memory scopes: tidy(fn) disposes every tensor created inside fn except what fn
 * returns (and what keep() marks), like tf.tidy, so a loop can free its temporaries
 * without a dispose() per tensor. Scopes nest; returned tensors move to the outer scope.
 */
import { ArgumentError } from './errors';
import type { Tensor } from './tensor';

const scopes: Tensor[][] = [];
const kept = new WeakSet<Tensor>();

/** Called by the Tensor constructor. */
export function trackTensor(t: Tensor): void {
  if (scopes.length !== 0) scopes[scopes.length - 1].push(t);
}

/** Exempts a tensor from disposal by the enclosing tidy() scopes. Returns it. */
export function keep<T extends Tensor>(t: T): T {
  kept.add(t);
  return t;
}

function collect(value: unknown, out: Set<Tensor>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ((value as { __isTensor?: boolean }).__isTensor) {
    out.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) collect(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, seen);
  }
}

/**
 * Runs fn and disposes every tensor it created, except those in its result (a tensor,
 * or arrays/plain objects/Maps of them) and those passed to keep().
 *
 * @example
 * const loss = tf.tidy(() => x.mul(w).sum().sqrt()); // the temporaries are freed
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new ArgumentError('tidy', `expected a function, got ${typeof fn}`);
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) if (!kept.has(t)) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    for (const t of scope) if (!kept.has(t)) t.dispose();
    throw new ArgumentError('tidy', 'fn returned a Promise; tidy() scopes are synchronous (dispose tensors of async code yourself)');
  }
  const keepSet = new Set<Tensor>();
  collect(result, keepSet, new Set());
  const parent = scopes.length ? scopes[scopes.length - 1] : null;
  for (const t of scope) {
    if (keepSet.has(t) || kept.has(t)) {
      if (parent) parent.push(t);
    } else {
      t.dispose();
    }
  }
  return result;
}

/** Disposes every tensor found in value (a tensor, or arrays/objects of tensors). */
export function dispose(value: unknown): void {
  const found = new Set<Tensor>();
  collect(value, found, new Set());
  for (const t of found) t.dispose();
}
