import { createHash } from 'node:crypto';
import type { Child } from 'hono/jsx';
import type { HtmlEscapedString } from 'hono/utils/html';

/**
 * The frame of every server-rendered page: html, head, body and one stylesheet in system fonts. No
 * external assets (the servers run offline, and a page that loads nothing from elsewhere can have a
 * Content-Security-Policy that allows nothing else). The CSS has no `<`, so it is safe inline.
 */
export const STYLE = `:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#5f6368;--bg:#fff;--card:#f6f7f9;--line:#d0d4da;--accent:#1a5fd0}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--muted:#a0a6ad;--bg:#16181b;--card:#1f2226;--line:#3a3f45;--accent:#7aa7ff}}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:2rem 1rem}
main{max-width:34rem;margin:0 auto;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1.5rem 1.75rem}
h1{font-size:1.35rem;margin:0 0 .25rem}
p{margin:.25rem 0 1rem}
.muted{color:var(--muted);font-size:.9rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:1rem 0;font-size:.92rem}
dt{color:var(--muted)}
dd{margin:0;overflow-wrap:anywhere}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,monospace}
fieldset{border:1px solid var(--line);border-radius:8px;margin:1rem 0;padding:.5rem 1rem .75rem}
legend{padding:0 .35rem;font-weight:600}
label{display:flex;gap:.6rem;align-items:center;padding:.25rem 0;cursor:pointer}
input{width:1.1rem;height:1.1rem;margin:0;accent-color:var(--accent)}
.actions{display:flex;gap:.75rem;margin-top:1.25rem}
button{font:inherit;padding:.55rem 1.4rem;border-radius:6px;border:1px solid var(--line);background:var(--bg);color:var(--fg);cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
a{color:var(--accent)}`;

/** The CSP source that admits STYLE and no other inline style (CSP3 hash-source). */
export const STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export function Layout({ title, children }: { title: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>{children}</body>
    </html>
  );
}

/** A page as a document: the doctype, then the rendered tree (hono/jsx escapes every text and attribute). */
export async function renderDocument(page: HtmlEscapedString | Promise<HtmlEscapedString>): Promise<string> {
  return `<!doctype html>${(await page).toString()}`;
}
