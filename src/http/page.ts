const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** A small HTML page for the browser, used where a redirect would be unsafe. */
export function errorPage(status: number, error: string, description: string): Response {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(error)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>Authorization request refused</h1>
<p><code>${escapeHtml(error)}</code>: ${escapeHtml(description)}</p>
<p>The client was not redirected because its identity or redirect URI could not be verified (RFC 6749 §4.1.2.1).</p>
</body></html>`;
  return new Response(html, {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'X-OAuth-Error': error },
  });
}

/**
 * The headers of every page of ours that a person acts on (the consent page, the dashboard): never
 * cached, never framed (`frame-ancestors 'none'` and X-Frame-Options: clickjacking), never sniffed,
 * under the page's own CSP. `Referrer-Policy: same-origin`, not no-referrer: under no-referrer a
 * browser sends `Origin: null` with a form's POST, and the pages' origin checks could not tell our
 * own page from a sandboxed one.
 */
export function pageSecurityHeaders(csp: readonly string[]): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': [...csp, "frame-ancestors 'none'", "base-uri 'none'"].join('; '),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
  };
}
