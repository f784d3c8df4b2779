/** `--name value` / `--name=value` / bare words; a few named flags are booleans (`--help`, `--json`…). */
export interface ParsedArgs {
  words: string[];
  flags: Record<string, string>;
  /** Boolean flags given, by name without dashes (`json`, `follow`, `force`). */
  bools: Set<string>;
  help: boolean;
  version: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Flags that take no value; a command says which of them it accepts (`refuseBools`). */
const BOOLEAN: Record<string, string> = { '--help': 'help', '-h': 'help', '--version': 'version', '-v': 'version', '--json': 'json', '--follow': 'follow', '-f': 'follow', '--force': 'force' };

export function parseArgs(argv: string[]): ParsedArgs {
  const out: ParsedArgs = { words: [], flags: {}, bools: new Set(), help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const bool = BOOLEAN[a];
    if (bool) {
      if (bool === 'help') out.help = true;
      else if (bool === 'version') out.version = true;
      else out.bools.add(bool);
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

/** A boolean flag the command has no use for is a mistake worth saying, not something to ignore. */
export function refuseBools(args: ParsedArgs, command: string, accepted: readonly string[]): void {
  for (const b of args.bools) if (!accepted.includes(b)) throw new UsageError(`${command} takes no --${b}`);
}
