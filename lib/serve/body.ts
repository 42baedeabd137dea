/**
 * Request bodies: JSON, with a native fast path for predict bodies. A body of the form
 * `{"instances": [[...numbers...], ...]}` (any one key, a rectangular nested array of
 * plain numbers) is read by the addon straight into a Float32Array, skipping the JS
 * arrays and numbers that JSON.parse builds: that was the largest cost of serving a
 * small model. The body still looks like the parsed JSON to every route: its key is a
 * getter that runs JSON.parse on the text on first use. Predict routes read the packed
 * values instead. Any other body goes through fastify's JSON parser, with its errors
 * and its prototype-poisoning checks.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { native } from '../native';
import { BadRequestError } from './errors';

const PACKED = Symbol('tensorforge.packedBody');

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

function packedBody(p: Packed): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  let plain: unknown;
  let parsed = false;
  Object.defineProperty(body, p.key, {
    enumerable: true,
    configurable: true,
    get: () => {
      if (!parsed) {
        plain = (JSON.parse(p.text) as Record<string, unknown>)[p.key];
        parsed = true;
      }
      return plain;
    },
    set: (v) => Object.defineProperty(body, p.key, { value: v, writable: true, enumerable: true, configurable: true }),
  });
  Object.defineProperty(body, PACKED, { value: p });
  return body;
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
  const again = native.parseJsonNumbers(p.text, 1);
  return again === null ? null : { dims: again[1], values: again[2] };
}

type Done = (err: Error | null, body?: unknown) => void;
type TextParser = (req: FastifyRequest, body: string, done: Done) => void;

/** A parser that tries the fast path first, then `general`. */
function withFastPath(general: TextParser): TextParser {
  return (req, text, done) => {
    const fast = text.length > 0 ? native.parseJsonNumbers(text, 0) : null;
    // Keys that fastify's parser treats as prototype poisoning stay with it.
    if (fast !== null && fast[0] !== '__proto__' && fast[0] !== 'constructor') done(null, packedBody({ key: fast[0], dims: fast[1], values: fast[2] as Float32Array, text }));
    else general(req, text, done);
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
