/** The server's Prometheus metrics (prom-client), in a registry of their own. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const POW2 = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

export class ServerMetrics {
  readonly registry = new Registry();
  /** Every HTTP request answered, by model, endpoint and status code. */
  readonly requests = new Counter({ name: 'tensorforge_http_requests_total', help: 'HTTP requests answered, by model, endpoint and status code', labelNames: ['model', 'endpoint', 'code'], registers: [this.registry] });
  /** Time from the request's arrival to its answer. */
  readonly latency = new Histogram({
    name: 'tensorforge_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['model', 'endpoint'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  /** Rows in each batch sent to a worker. */
  readonly batchSize = new Histogram({ name: 'tensorforge_batch_size', help: 'rows per batch run by an inference worker', labelNames: ['model'], buckets: POW2, registers: [this.registry] });
  /** Requests merged into each batch. */
  readonly batchRequests = new Histogram({ name: 'tensorforge_batch_requests', help: 'requests merged into each batch', labelNames: ['model'], buckets: POW2, registers: [this.registry] });
  /** Time of each batch in the worker, message round trip included. */
  readonly inference = new Histogram({
    name: 'tensorforge_inference_duration_seconds', help: 'time of a batch on an inference worker', labelNames: ['model'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [this.registry],
  });
  /** Requests waiting for a batch. */
  readonly queueDepth = new Gauge({ name: 'tensorforge_queue_depth', help: 'requests waiting to be batched', labelNames: ['model'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tensorforge_' });
  }
}
