import type { Ctx } from '../pipeline/env.js';
import type { EraOfRequest } from './era.js';
import type { VerifiedToken } from './verifier.js';

/** What the steps of one /mcp request learn, in order. */
export interface McpExchange {
  /** The body as read (the SDK gets it back unparsed when it is not JSON, to answer a parse error). */
  text: string;
  parsed: unknown;
  rpcMethod?: string;
  /** The tools a tools/call names (each of a batch's). */
  tools: string[];
  /** The era the request is served in, and the protocol version it claims (era.ts). */
  era?: EraOfRequest;
  /** The bearer token and what the verifier said of it. */
  token?: string;
  facts?: VerifiedToken;
}

/** One step of the /mcp chain: answers (and so ends the chain) or returns nothing to go on. */
export type Step = (c: Ctx, x: McpExchange) => Promise<Response | undefined> | Response | undefined;

/** Runs the steps in order; the last one must answer. */
export function chain(steps: Step[], last: (c: Ctx, x: McpExchange) => Promise<Response>) {
  return async (c: Ctx): Promise<Response> => {
    const x: McpExchange = { text: '', parsed: undefined, tools: [] };
    for (const step of steps) {
      const answered = await step(c, x);
      if (answered) return answered;
    }
    return last(c, x);
  };
}
