/**
 * Request bodies: JSON, with a native fast path for predict bodies. A body of the form
 * `{"instances": [[...numbers...], ...]}` or `{"inputs": ...}` (a rectangular nested
 * array of plain numbers) is read by the addon straight into a Float32Array, skipping
 * the JS arrays and numbers that JSON.parse builds: that was the largest cost of serving
 * a small model. The body still looks like the parsed JSON to every route: its key is a
 * getter that runs JSON.parse on the text on first use. Predict routes read the packed
 * values instead. Any other body goes through fastify's JSON parser, with its errors
 * and its prototype-poisoning checks.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { native } from '../native';
import { BadRequestError } from './errors';

const PACKED = Symbol('tensorforge.packedBody');
const KEYS = ['', 'instances', 'inputs'] as const;
const MAX_RANK = 8; // kMaxJsonRank in native/kernels/cpu/json/json_numbers.h
const info = new Float64Array(2 + MAX_RANK); // [key code, rank, dims...], written by the addon

/** What the fast path read: the key, the array's dims, float32 values and the text. */
interface Packed {
  key: string;
  dims: number[];
  values: Float32Array;
  text: string;
}

/** A body's numeric array as the fast path read it: row-major values and their dims. */
export interface PackedArray {
  dims: number[];
  values: Float32Array | Float64Array;
}

function plainValue(p: Packed): unknown {
  return (JSON.parse(p.text) as Record<string, unknown>)[p.key];
}

/** Replaces a getter by the value assigned to it (a route that rewrites the body). */
function assign(body: Record<string, unknown>, key: string, v: unknown): void {
  Object.defineProperty(body, key, { value: v, writable: true, enumerable: true, configurable: true });
}

// Object literals with accessors (not defineProperty per request): fast to create, and
// the key is an own enumerable property as JSON.parse would make it.
function packedBody(p: Packed): Record<string, unknown> {
  let plain: unknown;
  let parsed = false;
  const get = (): unknown => {
    if (!parsed) {
      plain = plainValue(p);
      parsed = true;
    }
    return plain;
  };
  if (p.key === 'instances') {
    return {
      get instances() { return get(); },
      set instances(v: unknown) { assign(this, 'instances', v); },
      [PACKED]: p,
    } as Record<string, unknown>;
  }
  return {
    get inputs() { return get(); },
    set inputs(v: unknown) { assign(this, 'inputs', v); },
    [PACKED]: p,
  } as Record<string, unknown>;
}

/**
 * The array a body read by the fast path holds under `key`, in float32 (each value the
 * float nearest the number) or float64 (exactly JSON.parse's numbers); null when the
 * body did not take the fast path or has another key.
 */
export function packedArray(body: unknown, key: string, dtype: 'float32' | 'float64'): PackedArray | null {
  const p = (body as { [PACKED]?: Packed } | null)?.[PACKED];
  if (p === undefined || p.key !== key) return null;
  if (dtype === 'float32') return p;
  const again = native.parseJsonNumbers(p.text, 1, info);
  return again === null ? null : { dims: p.dims, values: again };
}

type Done = (err: Error | null, body?: unknown) => void;
type TextParser = (req: FastifyRequest, body: string, done: Done) => void;

/** A parser that tries the fast path first, then `general`. */
function withFastPath(general: TextParser): TextParser {
  return (req, text, done) => {
    const values = text.length > 0 ? native.parseJsonNumbers(text, 0, info) : null;
    if (values === null) {
      general(req, text, done);
      return;
    }
    const rank = info[1];
    const dims = new Array<number>(rank);
    for (let d = 0; d < rank; d++) dims[d] = info[2 + d];
    done(null, packedBody({ key: KEYS[info[0]], dims, values: values as Float32Array, text }));
  };
}

/**
 * Installs the body parsers on app: application/json (fastify's own parser behind the
 * fast path, with its 400s for empty or invalid bodies) and any other content type
 * (clients that send none still get JSON; invalid JSON is a BadRequestError, 400).
 */
export function installJsonParsers(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error') as TextParser;
  const anyType: TextParser = (_req, text, done) => {
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new BadRequestError(`the body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, withFastPath(json));
  app.addContentTypeParser('*', { parseAs: 'string' }, withFastPath(anyType));
}
