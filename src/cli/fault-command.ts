import type { ControlClient } from '../control/client.js';
import type { FaultSpec } from '../faults.js';
import { UsageError } from './args.js';
import { faultLine, type Out } from './print.js';

export const FAULT_USAGE = [
  ["fault add '<json>'", 'add a fault, e.g. \'{"endpoint":"token","effect":{"kind":"oauth-error","error":"temporarily_unavailable","status":503},"times":2}\''],
  ['fault list', 'list the faults of both servers, and what each breaks'],
  ['fault rm <id>', 'remove one fault (wherever it is held)'],
  ['fault clear', 'remove every fault (the fault-backed switches go off too)'],
] as const;

type Run = (c: ControlClient, out: Out) => Promise<void>;

const listed = (view: Awaited<ReturnType<ControlClient['faults']>>) => (view.faults.length ? view.faults.map((f) => `${faultLine(f)}\n    breaks ${f.breaks}`).join('\n') : '(no faults)');

/** `fault add|list|rm|clear`: the arguments checked before anything is sent. */
export function faultCommand(words: string[]): Run {
  const [verb, arg, ...rest] = words;
  if (rest.length) throw new UsageError(`too many arguments: ${rest.join(' ')}`);
  const none = () => {
    if (arg !== undefined) throw new UsageError(`fault ${verb} takes no argument`);
  };
  switch (verb) {
    case 'add': {
      if (arg === undefined) throw new UsageError(`fault add needs a fault as JSON, e.g. fault add '{"endpoint":"token","effect":{"kind":"latency","ms":3000}}'`);
      let spec: unknown;
      try {
        spec = JSON.parse(arg);
      } catch (err) {
        throw new UsageError(`fault add: not JSON (${(err as Error).message}); quote it whole: fault add '{"endpoint":"token",…}'`);
      }
      if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new UsageError('fault add takes a JSON object: {"endpoint":…,"effect":{…}}');
      // The server validates the rest and says what is wrong (400): one place knows what a fault is.
      return async (c, out) => {
        const fault = await c.addFault(spec as FaultSpec);
        out.answer(fault, () => `[scenario] fault added: ${faultLine(fault)}\n    breaks ${fault.breaks}`);
      };
    }
    case 'list':
    case 'ls':
      none();
      return async (c, out) => {
        const view = await c.faults();
        out.answer(view, () => listed(view));
      };
    case 'rm':
    case 'remove': {
      if (arg === undefined) throw new UsageError('fault rm needs the id of a fault (fault list shows them)');
      return async (c, out) => {
        const view = await c.removeFault(arg);
        out.answer(view, () => `[scenario] fault ${arg} removed\n${listed(view)}`);
      };
    }
    case 'clear':
      none();
      return async (c, out) => {
        const view = await c.clearFaults();
        out.answer(view, () => '[scenario] every fault removed');
      };
    default:
      throw new UsageError(verb === undefined ? 'fault needs add, list, rm or clear' : `unknown fault command ${JSON.stringify(verb)}: add, list, rm or clear`);
  }
}
