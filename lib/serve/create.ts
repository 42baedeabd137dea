/**
 * createServer, loaded on first use: fastify and prom-client stay out of programs (and
 * inference workers) that never start a server.
 */
import type * as ServerModule from './server';

export type { ModelServer, ServerOptions, ModelSource } from './server';

/**
 * Creates a model server (see ./server.ts): TensorFlow Serving REST and KServe v2 over
 * fastify, dynamic batching on inference workers, /metrics.
 * @example
 * const server = tf.createServer(['models/mnist'], { maxBatch: 64 });
 * const { url } = await server.listen({ port: 8501 });
 */
export function createServer(...args: Parameters<typeof ServerModule.createServer>): ReturnType<typeof ServerModule.createServer> {
  return (require('./server') as typeof ServerModule).createServer(...args);
}
