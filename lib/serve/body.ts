/**
 * Request bodies: JSON, with predict bodies left unread on the main thread. A body that
 * starts `{"instances": [` or `{"inputs": [` is kept as its bytes (a RawBody): the
 * inference worker reads it natively straight into the batch (raw_parts.ts), so the
 * event loop spends no time on its numbers, the largest cost of serving a small model.
 * A route that needs the JSON value calls plainBody(), which parses it with fastify's
 * parser (its 400s and its prototype-poisoning checks). Any other body is parsed at once.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestError } from './errors';

const RAW = Symbol('tensorforge.rawBody');

/** A body kept as its bytes. */
interface RawBody {
  [RAW]: Buffer;
}

type Done = (err: Error | null, body?: unknown) => void;
type TextParser = (req: FastifyRequest | null, body: string, done: Done) => void;
type BufferParser = (req: FastifyRequest, body: Buffer, done: Done) => void;

/** fastify's JSON parser, taken when the parsers are installed (a server has one). */
let jsonParser: TextParser | null = null;

const QUOTE = 0x22;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const KEYS = [Buffer.from('"instances"'), Buffer.from('"inputs"')];

/** Whether the bytes start `{ "instances" | "inputs" : [` (JSON whitespace allowed). */
export function looksLikePredict(b: Uint8Array): boolean {
  let i = 0;
  while (i < b.length && isSpace(b[i])) i++;
  if (b[i] !== 0x7b) return false; // '{'
  i++;
  while (i < b.length && isSpace(b[i])) i++;
  if (b[i] !== QUOTE) return false;
  for (const key of KEYS) {
    if (i + key.length > b.length) continue;
    let k = 0;
    while (k < key.length && b[i + k] === key[k]) k++;
    if (k < key.length) continue;
    let j = i + key.length;
    while (j < b.length && isSpace(b[j])) j++;
    if (b[j] !== 0x3a) return false; // ':'
    j++;
    while (j < b.length && isSpace(b[j])) j++;
    return b[j] === 0x5b; // '['
  }
  return false;
}

/** The bytes of a body kept unread, or null. */
export function rawBytes(body: unknown): Buffer | null {
  return (body as Partial<RawBody> | null)?.[RAW] ?? null;
}

/**
 * The body's JSON value: a RawBody is parsed now (invalid JSON is a 400), any other
 * body is returned as it is.
 */
export function plainBody(body: unknown): unknown {
  const raw = rawBytes(body);
  if (raw === null) return body;
  let value: unknown;
  let error: Error | null = null;
  const parse = jsonParser ?? ((_req, text, done) => done(null, JSON.parse(text)));
  try {
    parse(null, raw.toString('utf8'), (e, v) => {
      error = e;
      value = v;
    });
  } catch (e) {
    error = e as Error;
  }
  if (error !== null) throw new BadRequestError(`the body is not valid JSON: ${(error as Error).message}`);
  return value;
}

/** A parser that keeps predict-looking bodies as bytes and gives the rest to `general`. */
function keepPredictBodies(general: TextParser): BufferParser {
  return (req, raw, done) => {
    if (looksLikePredict(raw)) done(null, { [RAW]: raw } satisfies RawBody);
    else general(req, raw.toString('utf8'), done);
  };
}

/**
 * Installs the body parsers on app: application/json (fastify's own parser, with its
 * 400s for empty or invalid bodies) and any other content type (clients that send none
 * still get JSON; invalid JSON is a BadRequestError, 400).
 */
export function installJsonParsers(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error') as TextParser;
  jsonParser = json;
  const anyType: TextParser = (_req, text, done) => {
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new BadRequestError(`the body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, keepPredictBodies(json));
  app.addContentTypeParser('*', { parseAs: 'buffer' }, keepPredictBodies(anyType));
}
