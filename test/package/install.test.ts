/**
 * The package as users get it. In a staging copy of the repository (so the worktree's
 * build/ is never rebuilt under the other test files), `npm pack` runs its prepack
 * script (TypeScript build + prebuildify); when prebuilds/ already holds a binary newer
 * than every native source, that binary is reused and only the TypeScript is built.
 * The tarball must carry dist/, the prebuild, the native sources and the build files.
 * It is then installed with npm into an empty project, offline-friendly, with a PATH
 * that reaches node, npm and sh and no C/C++ compiler or make, so the install can only
 * succeed through the prebuilt binary; CommonJS and ESM consumers then compute with it.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../lib/index';

const ROOT = path.resolve(__dirname, '..', '..');
const PLATFORM_DIR = `${process.platform}-${process.arch}`;
const tmp: string[] = [];

function mkTmp(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmp.push(d);
  return d;
}

function whichIn(cmd: string, pathEnv: string): string | null {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** The environment without the variables an enclosing `npm test` exports. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'TENSORFORGE_NATIVE' || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeout?: number }): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { ...opts, encoding: 'utf8', timeout: opts.timeout ?? 150_000, maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (status ${r.status}, signal ${r.signal}${r.error ? ', ' + r.error.message : ''}):\n` +
      `${(r.stdout ?? '').slice(-3000)}\n${(r.stderr ?? '').slice(-3000)}`);
  }
  return r;
}

function newestMtime(p: string): number {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of fs.readdirSync(p)) m = Math.max(m, newestMtime(path.join(p, e)));
  return m;
}

const npmCli = whichIn('npm', process.env.PATH ?? '');
let tarball = '';
let tarFiles: string[] = [];
let usedCachedPrebuild = false;
const timings: Record<string, number> = {};

beforeAll(() => {
  if (!npmCli) throw new Error('npm is not on PATH');
  const t0 = Date.now();
  const stage = mkTmp('tf-stage-');
  for (const f of ['package.json', 'package-lock.json', 'binding.gyp', 'CMakeLists.txt', 'tsconfig.json', 'README.md', 'LICENSE', 'lib', 'native']) {
    if (fs.existsSync(path.join(ROOT, f))) fs.cpSync(path.join(ROOT, f), path.join(stage, f), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  const out = mkTmp('tf-pack-');
  const env = cleanEnv();
  const cached = path.join(ROOT, 'prebuilds', PLATFORM_DIR, 'tensorforge.node');
  const sourcesTime = Math.max(newestMtime(path.join(ROOT, 'native')), newestMtime(path.join(ROOT, 'binding.gyp')));
  usedCachedPrebuild = fs.existsSync(cached) && fs.statSync(cached).mtimeMs > sourcesTime;
  if (usedCachedPrebuild) {
    fs.mkdirSync(path.join(stage, 'prebuilds', PLATFORM_DIR), { recursive: true });
    fs.copyFileSync(cached, path.join(stage, 'prebuilds', PLATFORM_DIR, 'tensorforge.node'));
    run(npmCli!, ['run', 'build:ts'], { cwd: stage, env });
    run(npmCli!, ['pack', '--ignore-scripts', '--pack-destination', out], { cwd: stage, env });
  } else {
    // The real thing: prepack builds the TypeScript and the prebuild (a full native
    // compile: several minutes on 2 busy cores, so make runs one job per core).
    const jobs = { ...env, JOBS: String(Math.max(1, os.cpus().length)) };
    run(npmCli!, ['pack', '--pack-destination', out], { cwd: stage, env: jobs, timeout: 540_000 });
    const built = path.join(stage, 'prebuilds', PLATFORM_DIR, 'tensorforge.node');
    if (fs.existsSync(built)) {
      fs.mkdirSync(path.dirname(cached), { recursive: true });
      fs.copyFileSync(built, cached); // what `npm run prebuild` leaves in the worktree
    }
  }
  timings.pack = Date.now() - t0;
  const tgz = fs.readdirSync(out).filter((f) => f.endsWith('.tgz'));
  expect(tgz.length).toBe(1);
  tarball = path.join(out, tgz[0]);
  tarFiles = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
}, 600_000);

afterAll(() => {
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
});

describe('package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

  it('ships dist, prebuilds, native sources and build files, and builds them before packing', () => {
    for (const f of ['dist/', 'prebuilds/', 'native/', 'binding.gyp', 'CMakeLists.txt']) expect(pkg.files).toContain(f);
    expect(pkg.scripts.prepack).toMatch(/build:ts/);
    expect(pkg.scripts.prepack).toMatch(/\bprebuild\b/);
    expect(pkg.scripts.prebuild).toBe('prebuildify --napi --strip');
    expect(pkg.scripts.install).toBe('node-gyp-build');
    expect(pkg.dependencies['node-gyp-build']).toBeDefined();
    expect(pkg.main).toBe('dist/index.js');
    expect(pkg.exports['.'].default).toBe('./dist/index.js');
    // cmake-js needs this to use the node-api-headers package (offline) instead of downloading Node's headers.
    expect(pkg.binary?.napi_versions?.length).toBeGreaterThan(0);
  });
});

describe('npm pack', () => {
  it('tarball holds the compiled JS, typings, the prebuild, native sources and build files', () => {
    console.log(`packed ${path.basename(tarball)} (${(fs.statSync(tarball).size / 1024).toFixed(0)} KiB, ${tarFiles.length} files) in ` +
      `${(timings.pack / 1000).toFixed(1)} s, ${usedCachedPrebuild ? 'reusing prebuilds/ (newer than native/)' : 'running prepack (tsc + prebuildify)'}`);
    for (const f of ['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/native.js', 'dist/ops/view.js', `prebuilds/${PLATFORM_DIR}/tensorforge.node`,
      'binding.gyp', 'CMakeLists.txt', 'native/sources.json', 'native/addon/addon.cc', 'native/addon/common.h', 'native/kernels/cpu/copy/copy.cc',
      'native/runtime/thread_pool.cc']) {
      expect(tarFiles, f).toContain(f);
    }
    const sources = JSON.parse(fs.readFileSync(path.join(ROOT, 'native', 'sources.json'), 'utf8')) as { portable: string[]; avx2: string[] };
    for (const s of [...sources.portable, ...sources.avx2]) expect(tarFiles, s).toContain(s);
    for (const f of tarFiles) {
      expect(f, 'nothing from build outputs, dependencies or tests').not.toMatch(/^(build|build-cmake|node_modules|test|\.ci)\//);
    }
    expect(tarFiles.filter((f) => f.endsWith('.node'))).toEqual([`prebuilds/${PLATFORM_DIR}/tensorforge.node`]);
  });
});

describe('npm install of the tarball without a compiler', () => {
  let project = '';
  let binDir = '';

  it('installs from the prebuild: nothing compiled', () => {
    const t0 = Date.now();
    binDir = mkTmp('tf-bin-');
    fs.symlinkSync(process.execPath, path.join(binDir, 'node'));
    fs.symlinkSync(fs.realpathSync(npmCli!), path.join(binDir, 'npm'));
    fs.symlinkSync(fs.realpathSync('/bin/sh'), path.join(binDir, 'sh')); // npm runs scripts through sh
    for (const tool of ['g++', 'gcc', 'cc', 'c++', 'clang', 'clang++', 'make', 'cmake', 'ld', 'nvcc']) {
      expect(whichIn(tool, binDir), `${tool} must not be reachable`).toBeNull();
    }
    project = mkTmp('tf-consumer-');
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const r = run(path.join(binDir, 'npm'), ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], {
      cwd: project, env: { PATH: binDir, HOME: os.homedir(), TMPDIR: os.tmpdir() },
    });
    timings.install = Date.now() - t0;
    console.log(`npm install took ${(timings.install / 1000).toFixed(1)} s`);
    expect(r.stdout + r.stderr).toMatch(/node-gyp-build/); // the install script ran ...
    const pkgDir = path.join(project, 'node_modules', 'tensorforge');
    expect(fs.existsSync(path.join(pkgDir, 'dist', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(pkgDir, 'prebuilds', PLATFORM_DIR, 'tensorforge.node'))).toBe(true);
    expect(fs.existsSync(path.join(pkgDir, 'build')), '... and compiled nothing').toBe(false);
  });

  it('works from CommonJS and ESM, loading the prebuilt binary', () => {
    expect(project).not.toBe('');
    const script = `
      const tf = require('tensorforge');
      const x = tf.arange(6).reshape(2, 3).T.contiguous();
      tf.manualSeed(5);
      const r = tf.randn([6]);
      const maps = process.platform === 'linux' ? require('fs').readFileSync('/proc/self/maps', 'utf8') : '';
      const loaded = (maps.split('\\n').find((l) => l.includes('tensorforge.node')) || '').trim().split(/\\s+/).pop();
      import('tensorforge').then((esm) => {
        const z = esm.ones([2, 2], { dtype: 'int32' });
        console.log(JSON.stringify({
          cjs: Array.from(x.dataSync()), randn: Array.from(r.dataSync()), dtype: x.dtype, loaded,
          esmNamed: typeof esm.tensor, esmDefault: typeof esm.default.tensor, esmValues: Array.from(z.dataSync()),
          str: String(esm.eye(2)),
        }));
      });`;
    fs.writeFileSync(path.join(project, 'main.cjs'), script);
    fs.writeFileSync(path.join(project, 'main.mjs'), `
      import * as tf from 'tensorforge';
      import { linspace, Tensor } from 'tensorforge';
      const t = linspace(0, 1, 5);
      console.log(JSON.stringify({ values: Array.from(t.dataSync()), isTensor: t instanceof Tensor, simd: tf.backendInfo().simd }));`);
    const env = { PATH: binDir, HOME: os.homedir() };
    const cjs = JSON.parse(run(path.join(binDir, 'node'), ['main.cjs'], { cwd: project, env }).stdout.trim());
    expect(cjs.cjs).toEqual([0, 3, 1, 4, 2, 5]);
    expect(cjs.dtype).toBe('int32');
    tf.manualSeed(5);
    const want = tf.randn([6]);
    expect(cjs.randn).toEqual(Array.from(want.dataSync()));
    want.dispose();
    if (process.platform === 'linux') expect(cjs.loaded).toBe(path.join(fs.realpathSync(project), 'node_modules', 'tensorforge', 'prebuilds', PLATFORM_DIR, 'tensorforge.node'));
    expect(cjs.esmNamed).toBe('function');
    expect(cjs.esmDefault).toBe('function');
    expect(cjs.esmValues).toEqual([1, 1, 1, 1]);
    expect(cjs.str).toBe('tensor([[1., 0.],\n        [0., 1.]])');
    const esm = JSON.parse(run(path.join(binDir, 'node'), ['main.mjs'], { cwd: project, env }).stdout.trim());
    expect(esm.values).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(esm.isTensor).toBe(true);
    expect(['avx2-fma', 'portable']).toContain(esm.simd);
  });
});
