/**
 * The KServe v2 (Open Inference Protocol) REST API:
 *   GET  /v2                          server metadata
 *   GET  /v2/health/live, /v2/health/ready
 *   GET  /v2/models/{name}[/versions/{v}]        name, versions, platform, inputs, outputs
 *   GET  /v2/models/{name}[/versions/{v}]/ready
 *   POST /v2/models/{name}[/versions/{v}]/infer  { id?, inputs: [{ name, shape, datatype, data }], outputs?: [{ name }] }
 *        -> { model_name, model_version, id, outputs: [{ name, shape, datatype, data }] }
 * Shapes give -1 for the batch dim; data is row-major and flat (nested arrays are accepted).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { BadRequestError, InputValidationError } from './errors';
import type { ServedModel } from './served_model';
import { plainBody } from './body';
import { flatValues, kserveType, type DecodedInput, type NamedSpec } from './signature';

type Lookup = (name: string) => ServedModel;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function specJson(s: NamedSpec): unknown {
  return { name: s.name, datatype: kserveType(s.dtype), shape: s.shape.map((d) => (d === null ? -1 : d)) };
}

function decode(m: ServedModel, inputs: unknown): DecodedInput[] {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new BadRequestError('"inputs" must be a non-empty list of { name, shape, datatype, data }');
  if (inputs.length !== m.inputs.length) throw new InputValidationError(`model '${m.name}' takes ${m.inputs.length} inputs (${m.described}; -1 is the batch dim), the request has ${inputs.length}`);
  const out: DecodedInput[] = new Array(m.inputs.length);
  inputs.forEach((inp, j) => {
    if (!isObject(inp)) throw new BadRequestError(`inputs[${j}] must be an object { name, shape, datatype, data }`);
    // By name when the name is one of the model's, else by position (a single input may have any name).
    const k = m.inputs.length === 1 ? 0 : m.inputIndex(inp.name);
    if (out[k] !== undefined) throw new InputValidationError(`input '${m.inputs[k].name}' is given twice`);
    const spec = m.inputs[k];
    if (inp.datatype !== kserveType(spec.dtype)) {
      throw new InputValidationError(`model '${m.name}', input '${spec.name}': datatype ${JSON.stringify(inp.datatype)} does not fit; the model's inputs are ${m.described} (-1 is the batch dim)`);
    }
    out[k] = m.reader(k).readShaped(inp.shape, inp.data);
  });
  return out;
}

/** The routes of the KServe v2 protocol. */
export function kserveRoutes(app: FastifyInstance, lookup: Lookup, isReady: () => boolean, version: string): void {
  type P = { name: string; version?: string };
  const checkVersion = (p: P): void => {
    if (p.version !== undefined && p.version !== '1') throw new BadRequestError(`model '${p.name}' has only version 1`);
  };
  const metadata = (p: P): unknown => {
    checkVersion(p);
    const m = lookup(p.name);
    return { name: m.name, versions: ['1'], platform: 'tensorforge', inputs: m.signature.inputs.map(specJson), outputs: m.signature.outputs.map(specJson) };
  };
  const ready = (p: P, reply: FastifyReply): unknown => {
    checkVersion(p);
    lookup(p.name);
    const ok = isReady();
    reply.code(ok ? 200 : 503);
    return { name: p.name, ready: ok };
  };
  const infer = async (p: P, unread: unknown): Promise<unknown> => {
    checkVersion(p);
    const m = lookup(p.name);
    const body = plainBody(unread);
    if (!isObject(body)) throw new BadRequestError('the body must be a JSON object with "inputs"');
    const decoded = decode(m, body.inputs);
    let wanted = m.signature.outputs.map((_, k) => k);
    if (body.outputs !== undefined) {
      if (!Array.isArray(body.outputs)) throw new BadRequestError('"outputs" must be a list of { name }');
      wanted = body.outputs.map((o) => {
        const k = m.signature.outputs.findIndex((s) => isObject(o) && s.name === o.name);
        if (k < 0) throw new InputValidationError(`model '${m.name}' has no output ${JSON.stringify(isObject(o) ? o.name : o)}; its outputs are ${m.signature.outputs.map((s) => `'${s.name}'`).join(', ')}`);
        return k;
      });
    }
    const r = await m.infer(decoded);
    const res: Record<string, unknown> = { model_name: m.name, model_version: '1' };
    if (body.id !== undefined) res.id = body.id;
    res.outputs = wanted.map((k) => {
      const s = m.signature.outputs[k];
      return { name: s.name, datatype: kserveType(s.dtype), shape: [r.rows, ...r.outputs[k].dims], data: flatValues(r.outputs[k].data, s.dtype) };
    });
    return res;
  };
  const cfg = (endpoint: string) => ({ config: { endpoint } });
  app.get('/v2', cfg('server_metadata'), async () => ({ name: 'tensorforge', version, extensions: [] }));
  app.get('/v2/health/live', cfg('health'), async () => ({ live: true }));
  app.get('/v2/health/ready', cfg('health'), async (_req, reply) => {
    const ok = isReady();
    reply.code(ok ? 200 : 503);
    return { ready: ok };
  });
  app.get<{ Params: P }>('/v2/models/:name', cfg('metadata'), async (req) => metadata(req.params));
  app.get<{ Params: P }>('/v2/models/:name/versions/:version', cfg('metadata'), async (req) => metadata(req.params));
  app.get<{ Params: P }>('/v2/models/:name/ready', cfg('ready'), async (req, reply) => ready(req.params, reply));
  app.get<{ Params: P }>('/v2/models/:name/versions/:version/ready', cfg('ready'), async (req, reply) => ready(req.params, reply));
  app.post<{ Params: P }>('/v2/models/:name/infer', cfg('infer'), (req) => infer(req.params, req.body));
  app.post<{ Params: P }>('/v2/models/:name/versions/:version/infer', cfg('infer'), (req) => infer(req.params, req.body));
}
