/**
 * How `walk` shows an exchange: the request and the answer as a reader wants them (method, URL, the
 * headers that matter, pretty JSON), with secrets shortened, and the same request as a curl command.
 */

/** Members whose values are credentials: shown by their ends only, enough to tell two apart. */
const SECRET_MEMBERS = new Set(['access_token', 'refresh_token', 'id_token', 'client_secret', 'code', 'registration_access_token']);

/** The response headers a reader of the OAuth chain looks at; the rest is transport noise. */
const SHOWN_RESPONSE_HEADERS = ['content-type', 'www-authenticate', 'location', 'cache-control', 'mcp-protocol-version'];

export const shorten = (s: string): string => (s.length > 16 ? `${s.slice(0, 6)}...${s.slice(-4)} (${s.length} chars)` : s);

function hideSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hideSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_MEMBERS.has(k) && typeof v === 'string' ? shorten(v) : hideSecrets(v)]));
}

/** A URL whose query may carry a code: the code shortened, the rest exactly as sent. */
const hideInUrl = (url: string): string =>
  url.replace(/([?&])(code|access_token|refresh_token|id_token|client_secret)=([^&#]*)/g, (_, sep: string, k: string, v: string) => `${sep}${k}=${shorten(v)}`);

function pretty(body: string, contentType: string): string[] {
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return [...new URLSearchParams(body)].map(([k, v]) => `${k}=${SECRET_MEMBERS.has(k) ? shorten(v) : v}`);
  }
  if (contentType.includes('text/event-stream')) {
    // Streamable HTTP may answer one JSON-RPC message as an SSE event: show its data as JSON.
    return body.split('\n').flatMap((line) => (line.startsWith('data:') ? ['(event stream) data:', ...pretty(line.slice(5).trim(), 'json')] : line.trim() ? [line] : []));
  }
  try {
    return JSON.stringify(hideSecrets(JSON.parse(body)), null, 2).split('\n');
  } catch {
    return body.length > 2000 ? [`${body.slice(0, 2000)}... (${body.length} bytes)`] : body.split('\n');
  }
}

export interface ShownRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export function requestLines(req: ShownRequest): string[] {
  const lines = [`> ${req.method} ${hideInUrl(req.url)}`];
  for (const [k, v] of Object.entries(req.headers)) lines.push(`> ${k}: ${k.toLowerCase() === 'authorization' ? v.replace(/^(\S+) (.+)$/, (_, s: string, t: string) => `${s} ${shorten(t)}`) : v}`);
  if (req.body !== undefined) lines.push(...pretty(req.body, req.headers['Content-Type'] ?? 'json').map((l) => `>   ${l}`));
  return lines;
}

export function responseLines(res: Response, body: string): string[] {
  const lines = [`< ${res.status} ${res.statusText}`];
  for (const name of SHOWN_RESPONSE_HEADERS) {
    const v = res.headers.get(name);
    if (v !== null) lines.push(`< ${name}: ${name === 'location' ? hideInUrl(v) : v}`);
  }
  if (body) lines.push(...pretty(body, res.headers.get('content-type') ?? '').map((l) => `<   ${l}`));
  return lines;
}

/** A single-quoted shell word: safe for any value. */
export const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** A curl command line; header and data values are shell words as given (quoted already, or with $VARS in double quotes). */
export function curl(method: string, url: string, parts: string[] = []): string {
  const verb = method === 'GET' ? '' : ` -X ${method}`;
  return `curl -s${verb} ${url}${parts.length ? ` ${parts.join(' ')}` : ''}`;
}
