/**
 * vitest globalSetup: compiles src/ to dist/ once before any test runs (`npm run build`), so that
 * the command-line tests drive the built CLI (`node dist/cli.js`, what the package ships) and
 * `npm test` works on a fresh clone. It always builds (about 5 s, 10 s on a loaded machine):
 * deciding from timestamps that dist/ is current is easy to get subtly wrong.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export default function setup(): void {
  const tsc = `${ROOT}node_modules/typescript/bin/tsc`;
  const started = performance.now();
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.error) throw r.error;
  const output = `${r.stdout}${r.stderr}`.trim();
  if (!existsSync(`${ROOT}dist/cli.js`)) throw new Error(`tsc -p tsconfig.build.json did not produce dist/cli.js (exit ${r.status}):\n${output}`);
  if (r.status !== 0) {
    // tsc emits despite type errors; the tests can still run (npm run typecheck is the gate for those).
    console.warn(`[global-setup] tsc -p tsconfig.build.json reported errors (exit ${r.status}); dist/ was emitted anyway:\n${output}`);
  }
  console.log(`[global-setup] built dist/ in ${Math.round(performance.now() - started)} ms`);
}
