import type { Step } from './chain.js';

/**
 * Reads the JSON-RPC body before the token check, so that a refused request's event still names its
 * method and tool, and faults can target a method. It never answers: bad JSON is the SDK's to refuse.
 */
export const peekRpc: Step = async (c, x) => {
  x.text = await c.req.text();
  try {
    x.parsed = JSON.parse(x.text);
  } catch {
    x.parsed = undefined;
  }
  const first = (Array.isArray(x.parsed) ? x.parsed[0] : x.parsed) as { method?: unknown; params?: { name?: unknown } } | undefined;
  const note = c.get('note');
  x.rpcMethod = typeof first?.method === 'string' ? first.method : undefined;
  note.rpcMethod = x.rpcMethod;
  if (x.rpcMethod === 'tools/call' && typeof first?.params?.name === 'string') note.tool = first.params.name;
  // Every call of a batch: the scope check must not let a second tool through behind a first.
  for (const m of (Array.isArray(x.parsed) ? x.parsed : [x.parsed]) as Array<{ method?: unknown; params?: { name?: unknown } } | null>) {
    if (m?.method === 'tools/call') x.tools.push(typeof m.params?.name === 'string' ? m.params.name : '');
  }
  return undefined;
};
