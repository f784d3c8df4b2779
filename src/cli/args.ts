/** `--name value` / `--name=value` / bare words; booleans only for `--help` and `--version`. */
export interface ParsedArgs {
  words: string[];
  flags: Record<string, string>;
  help: boolean;
  version: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const BOOLEAN = new Set(['--help', '-h', '--version', '-v']);

export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { words: [], flags: {}, help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (BOOLEAN.has(a)) {
      if (a === '--help' || a === '-h') out.help = true;
      else out.version = true;
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) {
        out.flags[a.slice(0, eq)] = a.slice(eq + 1);
        continue;
      }
      const value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) throw new UsageError(`${a} needs a value`);
      out.flags[a] = value;
      i++;
      continue;
    }
    out.words.push(a);
  }
  return out;
}
