/**
 * What `npm start`, `npm run scenario` and `npm run certs` run: the compiled command line (dist/,
 * built by `prepare` at `npm install`/`npm ci`, as a package is), started in well under a second,
 * where compiling TypeScript on every call took seconds — long enough for a 5-second token to expire
 * between two flips.
 *
 * So that a developer who edited src/ never silently runs old code, it first compares modification
 * times: when any file in src/ (or a tsconfig) is newer than dist/cli.js, or dist/ is missing, it
 * rebuilds (`tsc -p tsconfig.build.json`) and says so on stderr. The check is a few dozen stats.
 * Times, not contents: a checkout or an edit makes files newer, which only ever costs one build.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');

function newest(dir) {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

function builtAt() {
  try {
    return statSync(cli).mtimeMs;
  } catch {
    return -1;
  }
}

const inputs = Math.max(newest(join(root, 'src')), ...['tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(root, f)).mtimeMs));
const built = builtAt();
if (built < inputs) {
  const started = performance.now();
  console.error(built < 0 ? '[build] dist/ is missing: building it (npm run build)…' : '[build] src/ changed since dist/ was built: rebuilding (npm run build)…');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error || builtAt() < 0) {
    console.error(`[build] failed${r.error ? `: ${r.error.message}` : ''}; fix the errors above, then run it again`);
    process.exit(1);
  }
  // tsc emits despite type errors; say so, and run what it emitted (npm run typecheck is the gate).
  console.error(`[build] ${r.status === 0 ? 'built' : 'built with type errors (above)'} in ${Math.round(performance.now() - started)} ms`);
}
await import(pathToFileURL(cli).href);
