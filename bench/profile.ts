/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per function,
 * self time per module (src file, npm package, node internals), and inclusive time of our own
 * functions. Usable alone: `npx tsx bench/profile.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Row {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  selfByFunction: Row[];
  selfByModule: Row[];
  /** Self time charged to the nearest frame outside node's internals: who caused the internal work. */
  byCallerModule: Row[];
  /** Inclusive time of functions in src/ (what each of our steps costs with everything it calls). */
  inclusiveOwn: Row[];
}

/** Where a frame's code lives: src/x.ts, a package name, node:internal, or (program/gc/idle). */
export function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/src/');
  if (src >= 0 && !url.startsWith('node:')) return url.slice(src + 1);
  if (url.includes('/bench/')) return url.slice(url.indexOf('/bench/') + 1);
  if (url.startsWith('node:')) return url.startsWith('node:internal') ? 'node:internal' : url;
  return url;
}

const frameName = (n: Node) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const at = url.startsWith('node:') ? url : moduleOf(url, functionName);
  const where = url ? `${at}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
};

export function summarize(file: string, top = 20): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  let idleUs = 0;
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const f = frameName(n);
    fn.set(f, (fn.get(f) ?? 0) + us);
    const m = moduleOf(n.callFrame.url, n.callFrame.functionName);
    mod.set(m, (mod.get(m) ?? 0) + us);
  }
  const parentOf = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const caller = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n0 = byId.get(id)!;
    if (n0.callFrame.functionName === '(idle)') continue;
    let m = moduleOf(n0.callFrame.url, n0.callFrame.functionName);
    for (let cur = parentOf.get(id); (m.startsWith('node:') || m === '(native)') && cur !== undefined; cur = parentOf.get(cur)) {
      const n = byId.get(cur)!;
      if (n.callFrame.url) m = moduleOf(n.callFrame.url, n.callFrame.functionName);
    }
    caller.set(m, (caller.get(m) ?? 0) + us);
  }
  // Inclusive time of our own functions, each stack counted once per function (recursion-safe).
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const own = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (!n.callFrame.url.includes('/src/') || n.callFrame.url.includes('node_modules')) continue;
      const f = frameName(n);
      if (seen.has(f)) continue;
      seen.add(f);
      own.set(f, (own.get(f) ?? 0) + us);
    }
  }
  const busy = totalUs - idleUs;
  const rows = (m: Map<string, number>, n: number): Row[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, selfByFunction: rows(fn, top), selfByModule: rows(mod, top), byCallerModule: rows(caller, top), inclusiveOwn: rows(own, top) };
}

export function formatSummary(title: string, s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  const lines = [`${title}: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${(s.idleMs / 1000).toFixed(1)} s idle; shares are of busy time`];
  const block = (name: string, rows: Row[]) => {
    lines.push(`  ${name}`);
    for (const r of rows) lines.push(`    ${pct(r.share)}  ${r.name}`);
  };
  block('self time by module', s.selfByModule.slice(0, 10));
  block("self time charged to the nearest caller outside node's internals", s.byCallerModule.slice(0, 12));
  block('self time by function', s.selfByFunction);
  block('inclusive time, src/ functions', s.inclusiveOwn.slice(0, 15));
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx bench/profile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(formatSummary(file, summarize(file, Number(process.argv[3] ?? 25))));
}
