/**
 * Child processes and worker threads cannot load TypeScript, and dist/ may be stale
 * when one test file runs alone. This transpiles the current lib/ (no type check, a
 * fraction of a second) into a fresh temporary folder, and points TENSORFORGE_NATIVE
 * (which lib/native.ts loads first) at the addon the package itself would load.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface CompiledLib {
  /** require() this path to get the tensorforge module. */
  entry: string;
  /** Environment for child processes (workers inherit process.env). */
  env: NodeJS.ProcessEnv;
  dir: string;
}

function walk(dir: string, out: string[]): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
}

export function compileLib(): CompiledLib {
  // The binary lib/native.ts would load: build/Release, else prebuilds/<platform>-<arch>
  // (`npm run prebuild` moves the local build there).
  const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };
  const addon = nodeGypBuild.path(ROOT);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-lib-'));
  const files: string[] = [];
  walk(path.join(ROOT, 'lib'), files);
  for (const f of files) {
    const src = fs.readFileSync(f, 'utf8');
    const out = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: f,
    }).outputText;
    const dest = path.join(dir, path.relative(path.join(ROOT, 'lib'), f)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, out);
  }
  return { entry: path.join(dir, 'index.js'), env: { ...process.env, TENSORFORGE_NATIVE: addon }, dir };
}
