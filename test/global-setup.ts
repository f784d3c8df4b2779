/**
 * vitest globalSetup: compiles src/ to dist/ once before any test runs (`npm run build`), so that
 * the command-line tests drive the built CLI (`node dist/cli.js`, what the package ships) and
 * `npm test` works on a fresh clone.
 *
 * The build (5 s, 10–20 s on a loaded machine) is skipped only when this setup built dist/ itself
 * before and nothing has changed since: a stamp outside the repository records a content hash of
 * the build's inputs (src/, the tsconfigs, package.json, the lock file) and of everything in dist/
 * as that build left it. Contents, not timestamps: a checkout, a copy or a clock cannot fool it, and
 * anything else writing dist/ (npm run build, an edit, a deletion) just means one more build.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INPUT_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
const STAMP = join(tmpdir(), `mcp-oauth-test-server-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 16)}.json`);

function* files(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile()) yield p;
  }
}

/** sha256 over the sorted relative paths and contents. */
function digest(paths: Iterable<string>): string {
  const h = createHash('sha256');
  for (const p of [...paths].sort()) h.update(`${relative(ROOT, p)}\0`).update(readFileSync(p)).update('\0');
  return h.digest('hex');
}

const inputs = () => digest([...files(join(ROOT, 'src')), ...INPUT_FILES.map((f) => join(ROOT, f)).filter((f) => existsSync(f))]);
const outputs = () => digest(files(join(ROOT, 'dist')));

function readStamp(): { inputs: string; outputs: string } | undefined {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8')) as { inputs: string; outputs: string };
  } catch {
    return undefined;
  }
}

export default function setup(): void {
  const started = performance.now();
  const before = inputs();
  const stamp = readStamp();
  if (stamp && stamp.inputs === before && existsSync(`${ROOT}dist/cli.js`) && stamp.outputs === outputs()) {
    console.log(`[global-setup] dist/ is what the last build made of these very sources: not rebuilt (${Math.round(performance.now() - started)} ms)`);
    return;
  }
  const tsc = `${ROOT}node_modules/typescript/bin/tsc`;
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.error) throw r.error;
  const output = `${r.stdout}${r.stderr}`.trim();
  if (!existsSync(`${ROOT}dist/cli.js`)) throw new Error(`tsc -p tsconfig.build.json did not produce dist/cli.js (exit ${r.status}):\n${output}`);
  if (r.status !== 0) {
    // tsc emits despite type errors; the tests can still run (npm run typecheck is the gate for those).
    console.warn(`[global-setup] tsc -p tsconfig.build.json reported errors (exit ${r.status}); dist/ was emitted anyway:\n${output}`);
  } else if (inputs() === before) {
    // Only a clean build of sources that did not change while it ran is remembered.
    writeFileSync(STAMP, JSON.stringify({ root: ROOT, inputs: before, outputs: outputs() }));
  }
  console.log(`[global-setup] built dist/ in ${Math.round(performance.now() - started)} ms`);
}
