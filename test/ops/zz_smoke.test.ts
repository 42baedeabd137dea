import { it } from 'vitest';
import * as tf from '/work/wt-reduce/lib/index';
it('smoke', () => {
  const x = tf.tensor([[1, 2], [3, 4]]);
  console.log(x.sum().toString(), x.sum(0).toString(), x.sum(1, true).toString(), x.mean().toString());
  console.log(x.max().toString(), x.max(1).indices.toString(), x.argmax().toString(), x.var(0, {correction:0}).toString(), x.std().toString());
  console.log(x.softmax(1).toString(), x.logSoftmax(0).toString(), x.cumsum(1).toString(), x.norm().toString(), x.logsumexp(1).toString());
  console.log(tf.var(x).toString(), x.all().toString(), x.any(1).toString(), x.prod(1).toString(), x.amin(0).toString());
  const big = tf.rand([4000000]);
  for (const th of [1, 2]) { tf.setNumThreads(th); let t = performance.now(); for (let i=0;i<20;i++) big.sum().dispose(); console.log('sum', th, (performance.now()-t)/20); }
});
