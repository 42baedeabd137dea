// Runs a full garbage collection before every test. Several tests count live native
// storages and bytes exactly (tf.memory()); without this, garbage left by an earlier
// test could be finalized in the middle of a later test's measurement and change its
// counts. (The native finalizers run inside GC passes, see native/addon/common.cc.)
import v8 from 'node:v8';
import vm from 'node:vm';
import { beforeEach } from 'vitest';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

beforeEach(() => {
  gc();
});
