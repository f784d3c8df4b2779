/**
 * Compiles what the server processes run (src/ and the bench's server side) to plain JavaScript in
 * bench/.build, with TypeScript's own transpiler: the servers are measured as the published package
 * runs (dist/ is tsc output), not under the tsx loader, which adds ~40 MB of RSS and startup work of
 * its own. `--tsx` on the command line skips this and runs the TypeScript sources under tsx.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT } from './proc.js';

export const BUILD_DIR = join(ROOT, 'bench', '.build');

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}

/** Returns the compiled path of bench/server-proc.ts. */
export function buildServerSide(): string {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const files = [
    ...tsFiles(join(ROOT, 'src')),
    ...['server-proc.ts', 'grant-footprint.ts', 'baseline-floor.ts', 'baseline-sdk.ts', 'baseline-sdk2.ts', 'baseline-oidc.ts'].map((f) => join(ROOT, 'bench', f)),
    // The PKCE helper the tests use (no dependencies): grant-footprint.ts authorizes with it.
    join(ROOT, 'test', 'support', 'pkce.ts'),
  ];
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ES2022,
    jsx: ts.JsxEmit.ReactJSX,
    jsxImportSource: 'hono/jsx',
    verbatimModuleSyntax: true,
    isolatedModules: true,
  };
  for (const file of files) {
    const out = join(BUILD_DIR, relative(ROOT, file)).replace(/\.tsx?$/, '.js');
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  return join(BUILD_DIR, 'bench', 'server-proc.js');
}
