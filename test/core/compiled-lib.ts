/**
 * Child processes and worker threads cannot load TypeScript, and dist/ may be stale
 * when one test file runs alone. This transpiles the current lib/ (no type check, a
 * fraction of a second) into a fresh temporary folder, and points TENSORFORGE_NATIVE at
 * the addon built in build/Release, which is what lib/native.ts loads first.
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
  const addon = path.join(ROOT, 'build', 'Release', 'tensorforge.node');
  if (!fs.existsSync(addon)) throw new Error(`no addon at ${addon}: run npm ci (or npx node-gyp rebuild) first`);
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
