import type { Child } from 'hono/jsx';
import { pageSecurityHeaders } from '../../http/page.js';

/**
 * The dashboard's HTML headers. `script-src 'self'`: the one script is /dashboard.js, so an injected
 * tag or handler (a client's name, say) cannot run; `connect-src` adds the MCP server's origin, whose
 * switches the page writes there; `frame-ancestors 'none'`: no other page may frame the switches.
 */
export function pageHeaders(mcpOrigin: string): Record<string, string> {
  return pageSecurityHeaders(["default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", `connect-src 'self' ${mcpOrigin}`, "form-action 'self'"]);
}

/** The shell every dashboard page shares; `base` is the realm's issuer path ('' for the default realm at the root). */
export function Layout(props: { title: string; base: string; script?: boolean; children?: Child; data?: Record<string, string> }) {
  const data = Object.fromEntries(Object.entries(props.data ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        {/* No favicon request: it would be one more 404 in the event list. */}
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={`${props.base}/dashboard.css`} />
        {props.script ? <script src={`${props.base}/dashboard.js`} defer></script> : null}
      </head>
      <body {...data}>{props.children}</body>
    </html>
  );
}
