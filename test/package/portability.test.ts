/**
 * Portability of the build:
 *  - the portable objects of the node-gyp build hold no AVX instruction of any width
 *    (no VEX-encoded mnemonic, no ymm/zmm register), so the prebuilt binary runs on any
 *    x86-64 CPU; only the avx2 static library may use them (after CPU detection);
 *  - no build file asks for -march=native;
 *  - CMakeLists.txt configures with a CUDA compiler (CUDA enabled), with
 *    -DTF_DISABLE_CUDA=ON and with no nvcc on PATH (both CPU-only), through cmake-js
 *    with the node-api-headers (offline).
 * A missing tool (objdump, cmake, nvcc) skips its test and prints why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const OBJ = path.join(ROOT, 'build', 'Release', 'obj.target');

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
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

function objects(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.o')) out.push(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
  }
  return out;
}

/** Mnemonics and registers of every instruction in an object file. */
function disassemble(file: string): { mnemonics: string[]; text: string } {
  const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const mnemonics: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s+[0-9a-f]+:\s+([a-z][a-z0-9.]*)/.exec(line);
    if (m) mnemonics.push(m[1]);
  }
  return { mnemonics, text };
}

const objdump = which('objdump');
const cmake = which('cmake');
const nvcc = which('nvcc') ?? (fs.existsSync('/usr/local/cuda/bin/nvcc') ? '/usr/local/cuda/bin/nvcc' : null);
const portableObjs = objects(path.join(OBJ, 'tensorforge'));
const avx2Objs = objects(path.join(OBJ, 'tensorforge_avx2'));

describe('instruction sets', () => {
  const noObjdump = !objdump;
  if (noObjdump) console.log('skipped: objdump is not on PATH (install binutils to check the instruction sets)');
  it.skipIf(noObjdump)('portable objects contain no AVX/AVX2/AVX-512 instruction', () => {
    expect(portableObjs.length, `no objects under ${OBJ}/tensorforge: build the addon first (npm ci)`).toBeGreaterThan(5);
    const sources = JSON.parse(fs.readFileSync(path.join(ROOT, 'native', 'sources.json'), 'utf8')) as { portable: string[] };
    expect(portableObjs.length).toBe(sources.portable.length);
    const offenders: string[] = [];
    let total = 0;
    for (const f of portableObjs) {
      const { mnemonics, text } = disassemble(f);
      total += mnemonics.length;
      const vex = mnemonics.filter((m) => /^v(?!err|erw)/.test(m));
      const wide = (text.match(/%[yz]mm\d+/g) ?? []).length;
      if (vex.length || wide) offenders.push(`${path.relative(ROOT, f)}: ${wide} ymm/zmm operands, VEX ops ${[...new Set(vex)].slice(0, 5).join(' ')}`);
    }
    console.log(`checked ${portableObjs.length} portable objects, ${total} instructions`);
    expect(total).toBeGreaterThan(1000);
    expect(offenders).toEqual([]);
  });

  it.skipIf(noObjdump)('the avx2 library may use AVX2/FMA (reported, not required)', () => {
    if (avx2Objs.length === 0) {
      console.log('the avx2 static library has no objects yet (native/sources.json lists no avx2 sources)');
      expect(fs.existsSync(path.join(ROOT, 'build', 'Release', 'tensorforge_avx2.a'))).toBe(true);
      return;
    }
    let ymm = 0;
    for (const f of avx2Objs) ymm += (disassemble(f).text.match(/%ymm\d+/g) ?? []).length;
    console.log(`avx2 objects: ${avx2Objs.length}, ymm operands: ${ymm}`);
    expect(ymm).toBeGreaterThanOrEqual(0);
  });

  it('no build file asks for -march=native, and AVX2 flags only for the avx2 sources', () => {
    for (const f of ['binding.gyp', 'CMakeLists.txt', 'package.json']) {
      expect(fs.readFileSync(path.join(ROOT, f), 'utf8'), f).not.toMatch(/march=native|mtune=native/);
    }
    const gyp = fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8');
    // -mavx2 appears once, in the tensorforge_avx2 target.
    expect(gyp.match(/-mavx2/g)?.length).toBe(1);
    expect(gyp.indexOf('-mavx2')).toBeGreaterThan(gyp.indexOf('"tensorforge_avx2"'));
    expect(gyp.indexOf('-mavx2')).toBeLessThan(gyp.indexOf('"target_name": "tensorforge"'));
  });
});

describe('CMake configuration (cmake-js)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** cmake-js configure into a fresh folder; no npm config, so the node-api-headers path is used. */
  function configure(args: string[], pathEnv: string): { out: string; cache: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-cmake-'));
    dirs.push(dir);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathEnv };
    for (const k of Object.keys(env)) if (k.toLowerCase().startsWith('npm_config_')) delete env[k];
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'cmake-js', 'bin', 'cmake-js'), 'configure', '--out', dir, ...args], {
      cwd: ROOT, env, encoding: 'utf8', timeout: 120_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    if (r.status !== 0) throw new Error(`cmake-js configure failed (${r.status}):\n${out.slice(-4000)}`);
    return { out, cache: fs.readFileSync(path.join(dir, 'CMakeCache.txt'), 'utf8') };
  }

  /** PATH without any folder that holds nvcc (cmake and node stay reachable). */
  function pathWithoutNvcc(): string {
    return (process.env.PATH ?? '').split(path.delimiter).filter((d) => d && !fs.existsSync(path.join(d, 'nvcc'))).join(path.delimiter);
  }

  if (!cmake) console.log('skipped: cmake is not on PATH (install cmake to check CMakeLists.txt)');
  if (cmake && !nvcc) console.log('skipped the CUDA configuration: no nvcc on PATH or at /usr/local/cuda/bin/nvcc');

  it.skipIf(!cmake || !nvcc)('enables CUDA when nvcc is there', () => {
    const { out, cache } = configure([`--CDCMAKE_CUDA_COMPILER=${nvcc}`], process.env.PATH ?? '');
    expect(out).toMatch(/tensorforge: CUDA compiler .*nvcc found, CUDA enabled/);
    expect(cache).toMatch(/CMAKE_CUDA_COMPILER:\w+=.*nvcc/);
    // Node-API headers from the node-api-headers package: no download, no nodedir.
    expect(out).not.toMatch(/Downloading distribution/);
    expect(out).toContain('node-api-headers');
  });

  it.skipIf(!cmake)('is CPU-only with -DTF_DISABLE_CUDA=ON', () => {
    const { out, cache } = configure(['--CDTF_DISABLE_CUDA=ON'], process.env.PATH ?? '');
    expect(out).toMatch(/tensorforge: CUDA disabled by TF_DISABLE_CUDA, CPU-only build/);
    expect(out).not.toMatch(/CUDA enabled/);
    expect(cache).not.toMatch(/CMAKE_CUDA_COMPILER_ID/);
  });

  it.skipIf(!cmake)('is CPU-only when no nvcc is on PATH', () => {
    const { out } = configure([], pathWithoutNvcc());
    expect(out).toMatch(/tensorforge: no CUDA compiler, CPU-only build/);
  });
});
