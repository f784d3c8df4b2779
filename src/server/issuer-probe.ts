import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';

/** Long enough for a tunnel's first request, short enough that a wrong URL is reported while the user still looks. */
export const PROBE_TIMEOUT_MS = 5000;

/**
 * Asks a configured issuer for its RFC 8414 metadata and says what is wrong, or undefined when it
 * answers 200 with its own `issuer` (RFC 8414 §3.3). Never throws; `signal` abandons it quietly
 * (resolves undefined), so a server that closes first prints nothing.
 */
export function probeIssuer(issuer: string, metadataUrl: string, opts: { ca?: string; signal: AbortSignal; timeoutMs?: number }): Promise<string | undefined> {
  const url = new URL(metadataUrl);
  const secure = url.protocol === 'https:';
  const timeoutMs = opts.timeoutMs ?? PROBE_TIMEOUT_MS;
  return new Promise((resolve) => {
    let settled = false;
    const done = (problem: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', abandon);
      req.destroy();
      resolve(problem);
    };
    const abandon = () => done(undefined);
    const request = secure ? https.request : http.request;
    const req = request(url, { method: 'GET', headers: { Accept: 'application/json' }, ...(secure && opts.ca ? { ca: [...rootCertificates, opts.ca] } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        // A metadata document is a few KiB; anything far larger is not one.
        if (text.length < 256 * 1024) text += d;
      });
      res.on('error', (err) => done(err.message));
      res.on('end', () => {
        if (res.statusCode !== 200) return done(`it answered ${res.statusCode}`);
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch {
          return done('it answered 200 with a body that is not JSON');
        }
        const got = (doc as { issuer?: unknown } | null)?.issuer;
        done(got === issuer ? undefined : `it names another issuer (${JSON.stringify(got)})`);
      });
    });
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    req.on('error', (err) => done(causeOf(err)));
    if (opts.signal.aborted) return abandon();
    opts.signal.addEventListener('abort', abandon);
    req.end();
  });
}

/** Connecting to both families at once fails with an AggregateError whose own message is empty. */
function causeOf(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  if (e?.errors?.length) return causeOf(e.errors[0]);
  return e?.message || e?.code || String(err);
}
