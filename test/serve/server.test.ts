/**
 * The model server, started for real on a loopback port and spoken to over HTTP:
 * every endpoint of the TensorFlow Serving REST API and of KServe v2, answers checked
 * against a float64 reference of the model; every error code (400, 404, 413, 422, 503
 * with Retry-After, 504); concurrent requests merged into batches, as /metrics shows.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectRowsClose, get, loadServeLib, metric, mlpReference, mlpWeights, post, randomRows, removeServeLib,
  type MlpWeights, type ServeLib, type TF,
} from './serve-helpers';

let lib: ServeLib;
let tf: TF;
let ref: MlpWeights;
let server: TF;
let url: string;
const opened: TF[] = [];

async function start(models: unknown, opts: Record<string, unknown>): Promise<{ s: TF; url: string }> {
  const s = tf.createServer(models, { threads: 1, ...opts });
  opened.push(s);
  const a = await s.listen({ port: 0 });
  return { s, url: a.url };
}

beforeAll(async () => {
  lib = loadServeLib();
  tf = lib.tf;
  tf.manualSeed(7);
  const model = new tf.nn.Sequential(new tf.nn.Linear(5, 16), new tf.nn.ReLU(), new tf.nn.Linear(16, 3));
  tf.saveModel(model, path.join(lib.models, 'mlp'), { inputShape: [null, 5] });
  // Saved without an input signature: the server infers [-1, 5] from the first Linear.
  tf.saveModel(model, path.join(lib.models, 'nosig'));
  ref = mlpWeights(tf, model);
  const slow = new tf.nn.Sequential(new (tf.io.registeredModule('Sleep'))(500));
  tf.saveModel(slow, path.join(lib.models, 'slow'), { inputShape: [null, 2] });
  model.dispose();
  ({ s: server, url } = await start([path.join(lib.models, 'mlp'), `other=${path.join(lib.models, 'nosig')}`], { bodyLimit: 4096 }));
});

afterAll(async () => {
  for (const s of opened) await s.close();
  removeServeLib(lib);
});

describe('TensorFlow Serving REST API', () => {
  it('predict with "instances" (row format) answers "predictions" equal to the float64 reference', async () => {
    for (const n of [1, 3, 17]) {
      const rows = randomRows(n, 5, n);
      const r = await post(`${url}/v1/models/mlp:predict`, { instances: rows });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expectRowsClose(r.json.predictions, rows.map((x) => mlpReference(ref, x)));
    }
  });

  it('predict with "inputs" (columnar) answers "outputs"; versions/1 works; the model named by name=dir too', async () => {
    const rows = randomRows(4, 5, 11);
    const want = rows.map((x) => mlpReference(ref, x));
    for (const p of ['/v1/models/mlp:predict', '/v1/models/mlp/versions/1:predict', '/v1/models/other:predict']) {
      const r = await post(url + p, { inputs: rows, signature_name: 'serving_default' });
      expect(r.status, p).toBe(200);
      expectRowsClose(r.json.outputs, want);
    }
  });

  it('GET model status and metadata', async () => {
    const st = await get(`${url}/v1/models/mlp`);
    expect(st.status).toBe(200);
    expect(st.json.model_version_status[0]).toMatchObject({ version: '1', state: 'AVAILABLE' });
    expect((await get(`${url}/v1/models/mlp/versions/1`)).status).toBe(200);
    const md = await get(`${url}/v1/models/mlp/metadata`);
    expect(md.status).toBe(200);
    const sig = md.json.metadata.signature_def.signature_def.serving_default;
    expect(sig.inputs.input.dtype).toBe('DT_FLOAT');
    expect(sig.inputs.input.tensor_shape.dim.map((d: { size: string }) => d.size)).toEqual(['-1', '5']);
    expect(sig.outputs.output.tensor_shape.dim.map((d: { size: string }) => d.size)).toEqual(['-1', '3']);
  });
});

describe('KServe v2', () => {
  it('infer with flat and with nested data; id echoed; outputs filter', async () => {
    const rows = randomRows(3, 5, 5);
    const want = rows.map((x) => mlpReference(ref, x));
    for (const data of [rows.flat(), rows]) {
      const r = await post(`${url}/v2/models/mlp/infer`, { id: 'req-1', inputs: [{ name: 'input', shape: [3, 5], datatype: 'FP32', data }], outputs: [{ name: 'output' }] });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json).toMatchObject({ model_name: 'mlp', model_version: '1', id: 'req-1' });
      const out = r.json.outputs[0];
      expect(out).toMatchObject({ name: 'output', datatype: 'FP32', shape: [3, 3] });
      expectRowsClose([0, 1, 2].map((i) => out.data.slice(i * 3, i * 3 + 3)), want);
    }
    expect((await post(`${url}/v2/models/mlp/versions/1/infer`, { inputs: [{ name: 'x', shape: [1, 5], datatype: 'FP32', data: rows[0] }] })).status).toBe(200);
  });

  it('health, server and model metadata with the signature (FP32, -1 batch), model ready', async () => {
    expect(await get(`${url}/v2/health/live`)).toMatchObject({ status: 200, json: { live: true } });
    expect(await get(`${url}/v2/health/ready`)).toMatchObject({ status: 200, json: { ready: true } });
    expect((await get(`${url}/v2`)).json).toMatchObject({ name: 'tensorforge' });
    const md = await get(`${url}/v2/models/mlp`);
    expect(md.status).toBe(200);
    expect(md.json).toEqual({
      name: 'mlp', versions: ['1'], platform: 'tensorforge',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 5] }], outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }],
    });
    expect((await get(`${url}/v2/models/other`)).json.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 5] }]);
    expect(await get(`${url}/v2/models/mlp/ready`)).toMatchObject({ status: 200, json: { name: 'mlp', ready: true } });
  });
});

describe('a model with two inputs and two outputs', () => {
  // TwoInTwoOut: out_0 = a * 2 + sum(b), out_1 = b - 1; a [-1, 2], b [-1, 3].
  const a = [[1, 2], [3, 4]];
  const b = [[1, 1, 1], [0, 2, 5]];
  const out0 = [[5, 7], [13, 15]];
  const out1 = [[0, 0, 0], [-1, 1, 4]];
  let u: string;
  beforeAll(async () => {
    const dir = path.join(lib.models, 'two');
    tf.saveModel(new (tf.io.registeredModule('TwoInTwoOut'))(), dir, { inputShape: [[null, 2], [null, 3]] });
    ({ url: u } = await start([dir], { preload: [lib.sleepLayer] }));
  });

  it('TF Serving: instances as objects keyed by input, inputs as an object; outputs keyed by name', async () => {
    const r1 = await post(`${u}/v1/models/two:predict`, { instances: [{ input_0: a[0], input_1: b[0] }, { input_0: a[1], input_1: b[1] }] });
    expect(r1.status, JSON.stringify(r1.json)).toBe(200);
    expect(r1.json.predictions).toEqual([{ output_0: out0[0], output_1: out1[0] }, { output_0: out0[1], output_1: out1[1] }]);
    const r2 = await post(`${u}/v1/models/two:predict`, { inputs: { input_0: a, input_1: b } });
    expect(r2.status).toBe(200);
    expect(r2.json.outputs).toEqual({ output_0: out0, output_1: out1 });
    const bad = await post(`${u}/v1/models/two:predict`, { instances: [{ input_0: a[0] }] });
    expect(bad.status).toBe(422);
    expect(bad.json.error).toContain("'input_0': FP32 [-1, 2], 'input_1': FP32 [-1, 3]");
    expect((await post(`${u}/v1/models/two:predict`, { inputs: { input_0: a, input_1: [b[0]] } })).status).toBe(422);
    expect((await post(`${u}/v1/models/two:predict`, { inputs: { input_0: a, input_1: b, extra: b } })).status).toBe(422);
  });

  it('KServe: inputs matched by name in any order, both outputs or one', async () => {
    const req = { inputs: [{ name: 'input_1', shape: [2, 3], datatype: 'FP32', data: b.flat() }, { name: 'input_0', shape: [2, 2], datatype: 'FP32', data: a }] };
    const r = await post(`${u}/v2/models/two/infer`, req);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.outputs).toEqual([
      { name: 'output_0', datatype: 'FP32', shape: [2, 2], data: out0.flat() },
      { name: 'output_1', datatype: 'FP32', shape: [2, 3], data: out1.flat() },
    ]);
    const one = await post(`${u}/v2/models/two/infer`, { ...req, outputs: [{ name: 'output_1' }] });
    expect(one.json.outputs.map((o: { name: string }) => o.name)).toEqual(['output_1']);
    const md = await get(`${u}/v2/models/two`);
    expect(md.json.inputs).toEqual([{ name: 'input_0', datatype: 'FP32', shape: [-1, 2] }, { name: 'input_1', datatype: 'FP32', shape: [-1, 3] }]);
    expect(md.json.outputs).toEqual([{ name: 'output_0', datatype: 'FP32', shape: [-1, 2] }, { name: 'output_1', datatype: 'FP32', shape: [-1, 3] }]);
    expect((await post(`${u}/v2/models/two/infer`, { inputs: [req.inputs[0]] })).status).toBe(422);
    expect((await post(`${u}/v2/models/two/infer`, { inputs: [req.inputs[0], { ...req.inputs[1], name: 'nope' }] })).status).toBe(422);
  });
});

describe('errors', () => {
  it('404 for an unknown model on every model route, and for an unknown route', async () => {
    const body = { instances: [[1, 2, 3, 4, 5]] };
    for (const [method, p] of [['POST', '/v1/models/nope:predict'], ['GET', '/v1/models/nope'], ['GET', '/v1/models/nope/metadata'],
      ['POST', '/v2/models/nope/infer'], ['GET', '/v2/models/nope'], ['GET', '/v2/models/nope/ready'], ['GET', '/v3/whatever']]) {
      const r = method === 'POST' ? await post(url + p, body) : await get(url + p);
      expect(r.status, `${method} ${p}`).toBe(404);
      expect(typeof r.json.error).toBe('string');
    }
    expect((await get(`${url}/v1/models/nope`)).json.error).toContain("'mlp'");
  });

  it('400 for malformed JSON and for a body without "instances"/"inputs"', async () => {
    for (const raw of ['{"instances": [[1,2,3,4,5]]', 'not json', '']) {
      const r = await post(`${url}/v1/models/mlp:predict`, null, raw);
      expect(r.status, raw).toBe(400);
    }
    expect((await post(`${url}/v2/models/mlp/infer`, null, '{"inputs": [')).status).toBe(400);
    expect((await post(`${url}/v1/models/mlp:predict`, { rows: [] })).status).toBe(400);
    expect((await post(`${url}/v1/models/mlp:predict`, { instances: [[1, 2, 3, 4, 5]], inputs: [[1, 2, 3, 4, 5]] })).status).toBe(400);
    expect((await post(`${url}/v2/models/mlp/infer`, { inputs: 'x' })).status).toBe(400);
    // Bodies the numeric fast path reads (one key, an array of numbers) still answer as JSON would.
    expect((await post(`${url}/v1/models/mlp:predict`, { rows: [[1, 2, 3, 4, 5]] })).status).toBe(400);
    const kserveNumbers = await post(`${url}/v2/models/mlp/infer`, { inputs: [7] });
    expect(kserveNumbers.status).toBe(400);
    expect(kserveNumbers.json.error).toContain('inputs[0] must be an object');
  });

  it('the numeric fast path and general JSON give the same predictions', async () => {
    const rows = randomRows(3, 5, 11).map((r) => r.map((v) => Math.round(v * 1e4) / 1e4));
    const plain = await post(`${url}/v1/models/mlp:predict`, { instances: rows });
    // Whitespace, exponents and an escaped key: the first two take the fast path, the
    // third (\u0073 is 's') the general parser.
    const spaced = `{ "instances" :\n [ ${rows.map((r) => `[ ${r.map((v) => v.toExponential()).join(' ,\t')} ]`).join(',\r\n')} ] }`;
    const escaped = JSON.stringify({ instances: rows }).replace('instances', 'in\\u0073tances');
    for (const raw of [spaced, escaped]) {
      const r = await post(`${url}/v1/models/mlp:predict`, null, raw);
      expect(r.status, raw).toBe(200);
      expect(r.json.predictions).toEqual(plain.json.predictions);
    }
  });

  it('422 for a wrong shape, dtype or a non-finite number, with the input signature in the message', async () => {
    const bad: Array<[string, unknown, string?]> = [
      ['/v1/models/mlp:predict', { instances: [[1, 2, 3, 4]] }],
      ['/v1/models/mlp:predict', { instances: [[1, 2, 3, 4, 5], [1, 2]] }],
      ['/v1/models/mlp:predict', { instances: [[[1], 2, 3, 4, 5]] }],
      ['/v1/models/mlp:predict', { instances: [[1, 2, 3, 4, '5']] }],
      ['/v1/models/mlp:predict', { instances: [[1, 2, 3, 4, null]] }],
      ['/v1/models/mlp:predict', { instances: [] }],
      ['/v1/models/mlp:predict', { inputs: [1, 2, 3, 4, 5] }],
      ['/v1/models/mlp:predict', null, '{"instances": [[1, 2, 3, 4, 1e999]]}'],
      ['/v2/models/mlp/infer', { inputs: [{ name: 'input', shape: [1, 5], datatype: 'INT32', data: [1, 2, 3, 4, 5] }] }],
      ['/v2/models/mlp/infer', { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }],
      ['/v2/models/mlp/infer', { inputs: [{ name: 'input', shape: [2, 5], datatype: 'FP32', data: [1, 2, 3, 4, 5] }] }],
      ['/v2/models/mlp/infer', null, '{"inputs": [{"name": "input", "shape": [1, 5], "datatype": "FP32", "data": [1, 2, 3, -1e999, 5]}]}'],
      ['/v2/models/mlp/infer', { inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: [1, 2, 3, 4, 5] }], outputs: [{ name: 'nope' }] }],
    ];
    for (const [p, body, raw] of bad) {
      const r = await post(url + p, body, raw);
      expect(r.status, `${p} ${raw ?? JSON.stringify(body)}: ${JSON.stringify(r.json)}`).toBe(422);
      if (!JSON.stringify(body ?? '').includes('nope')) expect(r.json.error).toContain("'input': FP32 [-1, 5]");
    }
    // The server is unharmed.
    expect((await post(`${url}/v1/models/mlp:predict`, { instances: [[1, 2, 3, 4, 5]] })).status).toBe(200);
  });

  it('500 when the worker dies in a forward pass; a new worker with the models takes its place', async () => {
    const dir = path.join(lib.models, 'exit3');
    tf.saveModel(new tf.nn.Sequential(new (tf.io.registeredModule('ExitOn3'))()), dir, { inputShape: [null, 2] });
    const { url: u } = await start([dir], { preload: [lib.sleepLayer] });
    const ok = await post(`${u}/v1/models/exit3:predict`, { instances: [[1, 2]] });
    expect(ok.json.predictions).toEqual([[2, 3]]);
    const dead = await post(`${u}/v1/models/exit3:predict`, { instances: [[1, 2], [3, 4], [5, 6]] });
    expect(dead.status).toBe(500);
    expect(dead.json.error).toContain('exited with code 3');
    const again = await post(`${u}/v1/models/exit3:predict`, { instances: [[5, 6], [7, 8]] });
    expect(again.status, JSON.stringify(again.json)).toBe(200);
    expect(again.json.predictions).toEqual([[6, 7], [8, 9]]);
  });

  it('413 for a body over the limit', async () => {
    const r = await post(`${url}/v1/models/mlp:predict`, { instances: randomRows(200, 5, 1) });
    expect(r.status).toBe(413);
    expect(r.json.error).toContain('4096');
  });

  it('503 with Retry-After when the queue is full, 504 after the timeout, and the server recovers', async () => {
    // Each batch of the slow model takes 500 ms; one runs, two wait, the rest are refused.
    // The second answers at 1000 ms, 165 ms before its timeout; the third would answer at
    // 1500 ms, and the timeout sweep (every 1150 / 8 ms) answers it 504 by about 1325 ms.
    const { url: u } = await start({ slow: path.join(lib.models, 'slow') }, { maxBatch: 1, queueSize: 2, timeoutMs: 1150, batchDelayMs: 0, preload: [lib.sleepLayer] });
    const t0 = Date.now();
    const rs = await Promise.all([0, 1, 2, 3, 4].map(async (i) => {
      await new Promise((r) => setTimeout(r, i * 15));
      return post(`${u}/v1/models/slow:predict`, { instances: [[i, 1]] });
    }));
    const codes = rs.map((r) => r.status);
    console.log(`slow model: codes ${codes.join(', ')} in ${Date.now() - t0} ms`);
    // Sent 15 ms apart, they arrive in that order on a quiet machine ([200, 200, 504, 503,
    // 503]); a loaded one may swap neighbours, so check the multiset and each answer.
    expect([...codes].sort()).toEqual([200, 200, 503, 503, 504]);
    rs.forEach((r, i) => {
      if (r.status === 200) expect(r.json.predictions).toEqual([[i * 2, 2]]);
      if (r.status === 503) expect(r.headers.get('retry-after')).toBe('1');
      if (r.status === 504) expect(r.json.error).toContain('1150 ms');
    });
    await new Promise((r) => setTimeout(r, 600));
    const again = await post(`${u}/v1/models/slow:predict`, { instances: [[5, 6]] });
    expect(again.status).toBe(200);
    expect(again.json.predictions).toEqual([[10, 12]]);
  });
});

describe('dynamic batching and metrics', () => {
  it('concurrent requests are merged into batches (seen in /metrics), each answer is its own rows', async () => {
    const { url: u } = await start([path.join(lib.models, 'mlp')], { maxBatch: 32, batchDelayMs: 25 });
    const n = 48;
    const rows = randomRows(n, 5, 99);
    const rs = await Promise.all(rows.map((x, i) => (i % 2 === 0
      ? post(`${u}/v1/models/mlp:predict`, { instances: [x] })
      : post(`${u}/v2/models/mlp/infer`, { inputs: [{ name: 'input', shape: [1, 5], datatype: 'FP32', data: x }] }))));
    rs.forEach((r, i) => {
      expect(r.status).toBe(200);
      expectRowsClose(i % 2 === 0 ? r.json.predictions : [r.json.outputs[0].data], [mlpReference(ref, rows[i])]);
    });
    const m = (await get(`${u}/metrics`)).text;
    const batches = metric(m, 'tensorforge_batch_size_count{model="mlp"}');
    const rowsRun = metric(m, 'tensorforge_batch_size_sum{model="mlp"}');
    const merged = metric(m, 'tensorforge_batch_requests_sum{model="mlp"}');
    const single = metric(m, 'tensorforge_batch_requests_bucket{le="1",model="mlp"}');
    console.log(`${n} requests ran as ${batches} batches (${single} of one request)`);
    expect(rowsRun).toBe(n);
    expect(merged).toBe(n);
    expect(batches).toBeLessThanOrEqual(n / 4);
    expect(batches).toBeGreaterThanOrEqual(2); // maxBatch 32 < 48
    expect(metric(m, 'tensorforge_batch_size_bucket{le="32",model="mlp"}')).toBe(batches);
  });

  it('bodies the worker reads and bodies it declines batch together; a request over the row limit waits for the next batch', async () => {
    const { url: u } = await start([path.join(lib.models, 'mlp')], { maxBatch: 8, batchDelayMs: 25 });
    const n = 30;
    // 1 to 5 rows each. Values with 4 decimals take the worker's fast path; full-precision
    // doubles (17 significant digits) are declined by it and read on the main thread.
    const reqs = Array.from({ length: n }, (_, i) => randomRows(1 + ((i * 7) % 5), 5, 300 + i).map((r) => (i % 3 === 2 ? r : r.map((v) => Math.round(v * 1e4) / 1e4))));
    const rs = await Promise.all(reqs.map((x, i) => post(`${u}/v1/models/mlp:predict`, i % 4 === 1 ? { inputs: x } : { instances: x })));
    rs.forEach((r, i) => {
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expectRowsClose(i % 4 === 1 ? r.json.outputs : r.json.predictions, reqs[i].map((x) => mlpReference(ref, x)));
    });
    const m = (await get(`${u}/metrics`)).text;
    const batches = metric(m, 'tensorforge_batch_size_count{model="mlp"}');
    expect(metric(m, 'tensorforge_batch_size_sum{model="mlp"}')).toBe(reqs.reduce((a, x) => a + x.length, 0));
    expect(metric(m, 'tensorforge_batch_requests_sum{model="mlp"}')).toBe(n);
    expect(metric(m, 'tensorforge_batch_size_bucket{le="8",model="mlp"}')).toBe(batches); // no batch over the limit
    // 90 rows in all, at most 8 per batch: 12 batches at the least. Requests were merged:
    // fewer batches than requests, and not every batch a single request.
    expect(batches).toBeGreaterThanOrEqual(12);
    expect(batches).toBeLessThan(n);
    expect(metric(m, 'tensorforge_batch_requests_bucket{le="1",model="mlp"}')).toBeLessThan(batches);
  });

  it('/metrics: requests by code, latency histograms, batch sizes, queue depth, process memory', async () => {
    const r = await get(`${url}/metrics`);
    expect(r.status).toBe(200);
    const m = r.text;
    expect(metric(m, 'tensorforge_http_requests_total{model="mlp",endpoint="predict",code="200"}')).toBeGreaterThan(3);
    for (const code of ['400', '413', '422']) expect(m).toMatch(new RegExp(`tensorforge_http_requests_total\\{[^}]*code="${code}"\\} [1-9]`));
    expect(m).toMatch(/tensorforge_http_requests_total\{model="",endpoint="[a-z]+",code="404"\} [1-9]/);
    expect(metric(m, 'tensorforge_http_request_duration_seconds_count{model="mlp",endpoint="predict"}')).toBeGreaterThan(3);
    expect(m).toContain('tensorforge_http_request_duration_seconds_bucket{le="0.005",model="mlp",endpoint="infer"}');
    expect(metric(m, 'tensorforge_batch_size_count{model="mlp"}')).toBeGreaterThan(0);
    expect(metric(m, 'tensorforge_inference_duration_seconds_count{model="mlp"}')).toBeGreaterThan(0);
    expect(metric(m, 'tensorforge_queue_depth{model="mlp"}')).toBe(0);
    expect(metric(m, 'tensorforge_process_resident_memory_bytes')).toBeGreaterThan(1e6);
  });
});

describe('soak (short; bench/serve_soak.mjs sends 50,000)', () => {
  it('3,000 requests, valid and invalid, keep the resident memory bounded', async () => {
    const gc = (await import('node:vm')).runInNewContext('gc') as () => void;
    const rows = randomRows(8, 5, 3);
    const want = rows.map((x) => mlpReference(ref, x));
    let sent = 0;
    const codes = new Map<number, number>();
    const burst = async (n: number): Promise<void> => {
      const worker = async (): Promise<void> => {
        while (sent < n) {
          const i = sent++;
          const r = i % 10 === 9
            ? await post(`${url}/v1/models/mlp:predict`, { instances: [[1, 2]] })
            : await post(`${url}/v1/models/mlp:predict`, { instances: rows.slice(0, 1 + (i % 8)) });
          codes.set(r.status, (codes.get(r.status) ?? 0) + 1);
          if (r.status === 200 && i % 97 === 0) expectRowsClose(r.json.predictions, want.slice(0, 1 + (i % 8)));
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
    };
    await burst(1000);
    gc();
    const { rss: rss0, heapUsed: heap0 } = process.memoryUsage();
    const t0 = Date.now();
    await burst(3000);
    gc();
    const { rss: rss1, heapUsed: heap1 } = process.memoryUsage();
    const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
    console.log(`soak: 2,000 requests in ${Date.now() - t0} ms after 1,000 of warm-up; codes ${[...codes].map(([k, v]) => `${k}: ${v}`).join(', ')}; ` +
      `RSS ${mb(rss0)} MB -> ${mb(rss1)} MB, JS heap ${mb(heap0)} MB -> ${mb(heap1)} MB`);
    expect(codes.get(200)).toBe(2700);
    expect(codes.get(422)).toBe(300);
    // RSS moves by tens of MB with the allocator's arenas (client and server share this
    // process); the JS heap after a full GC shows a leak more directly.
    expect(rss1 - rss0).toBeLessThan(64 * 2 ** 20);
    expect(heap1 - heap0).toBeLessThan(8 * 2 ** 20);
  });
});

describe('createServer arguments', () => {
  it('rejects bad options and models it cannot serve, naming the problem', () => {
    expect(() => tf.createServer([], {})).toThrow(/at least one model/);
    expect(() => tf.createServer([path.join(lib.models, 'mlp')], { maxBatch: 0 })).toThrow(/maxBatch/);
    expect(() => tf.createServer([path.join(lib.models, 'missing')])).toThrow(/config\.json/);
    expect(() => tf.createServer([path.join(lib.models, 'mlp'), `mlp=${path.join(lib.models, 'nosig')}`])).toThrow(/two models are named 'mlp'/);
    const slowNoSig = path.join(lib.models, 'slow-nosig');
    tf.saveModel(new tf.nn.Sequential(new (tf.io.registeredModule('Sleep'))(1)), slowNoSig);
    expect(() => tf.createServer([slowNoSig])).toThrow(/inputShape/);
  });
});
