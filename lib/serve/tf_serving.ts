/**
 * TensorFlow Serving's REST API:
 *   POST /v1/models/{name}[/versions/{v}]:predict  { instances: [...] } -> { predictions: [...] }
 *                                                  { inputs: ... }      -> { outputs: ... }
 *   GET  /v1/models/{name}[/versions/{v}]          model status
 *   GET  /v1/models/{name}[/versions/{v}]/metadata signature_def
 * Row format ("instances"): a list of rows; with several inputs, each row is an object
 * { inputName: row }. Columnar format ("inputs"): the batch as one nested array, or an
 * object { inputName: batch }. With several outputs, results are objects keyed by name.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { plainBody, rawBytes } from './body';
import type { RowsResult } from './batcher';
import { BadRequestError, InputValidationError } from './errors';
import type { ServedModel } from './served_model';
import { rowJson, tfType, type DecodedInput, type NamedSpec } from './signature';

type Lookup = (name: string) => ServedModel;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function decodeInstances(m: ServedModel, instances: unknown): DecodedInput[] {
  if (!Array.isArray(instances)) throw new BadRequestError('"instances" must be a list of rows');
  if (instances.length === 0) throw new InputValidationError(`"instances" is empty; model '${m.name}' takes inputs ${m.described} (-1 is the batch dim)`);
  const n = instances.length;
  const single = m.inputs.length === 1;
  const sinks = m.inputs.map((_, k) => m.reader(k).collect(n));
  for (let i = 0; i < n; i++) {
    const row = instances[i];
    if (single && !isObject(row)) {
      sinks[0].add(row, i);
      continue;
    }
    if (!isObject(row)) throw new InputValidationError(`instance ${i} must be an object keyed by input name; model '${m.name}' takes ${m.described}`);
    for (const key of Object.keys(row)) m.inputIndex(key);
    m.inputs.forEach((s, k) => {
      if (!(s.name in row)) throw new InputValidationError(`instance ${i} has no input '${s.name}'; model '${m.name}' takes ${m.described}`);
      sinks[k].add(row[s.name], i);
    });
  }
  return sinks.map((s) => s.finish());
}

function decodeInputs(m: ServedModel, inputs: unknown): DecodedInput[] {
  if (m.inputs.length === 1 && !isObject(inputs)) return [m.reader(0).readRows(inputs)];
  if (!isObject(inputs)) throw new InputValidationError(`"inputs" must be an object keyed by input name; model '${m.name}' takes ${m.described}`);
  for (const key of Object.keys(inputs)) m.inputIndex(key);
  return m.inputs.map((s, k) => {
    if (!(s.name in inputs)) throw new InputValidationError(`"inputs" has no '${s.name}'; model '${m.name}' takes ${m.described}`);
    return m.reader(k).readRows(inputs[s.name]);
  });
}

/** Output k's rows as JSON text: one element per row. */
function rowsJson(r: RowsResult, m: ServedModel, k: number): string[] {
  const o = r.outputs[k];
  const per = o.dims.reduce((a, b) => a * b, 1);
  const out = new Array<string>(r.rows);
  for (let i = 0; i < r.rows; i++) out[i] = rowJson(o.data, i * per, o.dims, m.signature.outputs[k].dtype);
  return out;
}

/** `{"a":x,"b":y}` from names and JSON texts. */
function objectJson(names: readonly string[], texts: readonly string[]): string {
  return `{${names.map((n, k) => `${JSON.stringify(n)}:${texts[k]}`).join(',')}}`;
}

function signatureDef(specs: NamedSpec[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of specs) {
    out[s.name] = { dtype: tfType(s.dtype), tensor_shape: { dim: s.shape.map((d) => ({ size: String(d === null ? -1 : d), name: '' })), unknown_rank: false }, name: s.name };
  }
  return out;
}

/** The routes of TensorFlow Serving's REST API. */
export function tfServingRoutes(app: FastifyInstance, lookup: Lookup): void {
  // The answer is written as JSON text directly (no arrays of numbers to build and
  // stringify): what a predict costs outside the model is mostly per request.
  const answer = (m: ServedModel, r: RowsResult, instances: boolean, reply: FastifyReply): string => {
    const outs = m.signature.outputs;
    const names = outs.map((s) => s.name);
    let text: string;
    if (instances) {
      if (outs.length === 1) {
        text = `{"predictions":[${rowsJson(r, m, 0).join(',')}]}`;
      } else {
        const cols = outs.map((_, k) => rowsJson(r, m, k));
        text = `{"predictions":[${Array.from({ length: r.rows }, (_, i) => objectJson(names, cols.map((c) => c[i]))).join(',')}]}`;
      }
    } else if (outs.length === 1) {
      text = `{"outputs":[${rowsJson(r, m, 0).join(',')}]}`;
    } else {
      text = `{"outputs":${objectJson(names, outs.map((_, k) => `[${rowsJson(r, m, k).join(',')}]`))}}`;
    }
    reply.type('application/json; charset=utf-8');
    return text;
  };
  const predict = async (name: string, req: FastifyRequest, reply: FastifyReply): Promise<string> => {
    const m = lookup(name);
    // A body kept unread goes to the worker as bytes; one it declines is read here.
    const raw = rawBytes(req.body);
    if (raw !== null) {
      const r = await m.inferRaw(raw);
      if (r !== null) return answer(m, r, r.key === 1, reply);
    }
    const body = plainBody(req.body);
    if (!isObject(body)) throw new BadRequestError('the body must be a JSON object with "instances" or "inputs"');
    const hasInstances = 'instances' in body;
    const hasInputs = 'inputs' in body;
    if (hasInstances === hasInputs) throw new BadRequestError('the body must have exactly one of "instances" (row format) or "inputs" (columnar format)');
    const decoded = hasInstances ? decodeInstances(m, body.instances) : decodeInputs(m, body.inputs);
    return answer(m, await m.infer(decoded), hasInstances, reply);
  };
  const status = (name: string, version?: string): unknown => {
    lookup(name);
    if (version !== undefined && version !== '1') throw new BadRequestError(`model '${name}' has only version 1`);
    return { model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] };
  };
  const metadata = (name: string): unknown => {
    const m = lookup(name);
    return {
      model_spec: { name, signature_name: '', version: '1' },
      metadata: { signature_def: { signature_def: { serving_default: { inputs: signatureDef(m.signature.inputs), outputs: signatureDef(m.signature.outputs), method_name: 'tensorflow/serving/predict' } } } },
    };
  };
  type P = { name: string; version?: string };
  // find-my-way: a parameter with a regex, then '::' for a literal ':'.
  app.post<{ Params: P }>('/v1/models/:name(^[^:/]+)::predict', { config: { endpoint: 'predict' } }, (req, reply) => predict(req.params.name, req, reply));
  app.post<{ Params: P }>('/v1/models/:name(^[^:/]+)/versions/:version(^[^:/]+)::predict', { config: { endpoint: 'predict' } }, (req, reply) => {
    status(req.params.name, req.params.version);
    return predict(req.params.name, req, reply);
  });
  app.get<{ Params: P }>('/v1/models/:name', { config: { endpoint: 'status' } }, async (req) => status(req.params.name));
  app.get<{ Params: P }>('/v1/models/:name/versions/:version', { config: { endpoint: 'status' } }, async (req) => status(req.params.name, req.params.version));
  app.get<{ Params: P }>('/v1/models/:name/metadata', { config: { endpoint: 'metadata' } }, async (req) => metadata(req.params.name));
  app.get<{ Params: P }>('/v1/models/:name/versions/:version/metadata', { config: { endpoint: 'metadata' } }, async (req) => {
    status(req.params.name, req.params.version);
    return metadata(req.params.name);
  });
}

