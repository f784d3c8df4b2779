/** The dashboard's style, served as /dashboard.css (CSP `style-src 'self'`: no inline styles). */
export const DASHBOARD_CSS = `
:root{--fg:#1d1f23;--muted:#5b616b;--line:#d9dce1;--bg:#f6f7f9;--ok:#17703a;--err:#b3261e;--ctl:#5a3fb0;--accent:#0b5cad}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0}
header{background:#fff;border-bottom:1px solid var(--line);padding:.75rem 1.25rem;display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem 1.5rem}
h1{font-size:1.2rem;margin:0}
h1 .realm{font-weight:400;color:var(--muted);font-size:.95rem;margin-left:.5rem}
.urls{margin:0;color:var(--muted)}
.logout{margin-left:auto}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem;padding:1rem 1.25rem}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;min-width:0}
h2{font-size:1rem;margin:0 0 .5rem}
code,pre,textarea,input[type=text],input[type=number]{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.3rem .4rem;border-top:1px solid var(--line)}
th label{font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:600}
.where{display:inline-block;margin-left:.4rem;font-size:11px;color:var(--muted);border:1px solid var(--line);border-radius:3px;padding:0 .25rem}
.does{color:var(--muted);font-size:12.5px}
form.switch{display:flex;gap:.35rem;align-items:center;flex-wrap:wrap}
input[type=number]{width:6rem}
input[type=text]{width:12rem}
output{font-size:12.5px}
output.ok{color:var(--ok)}
output.error{color:var(--err);white-space:pre-wrap}
button{font:inherit;padding:.15rem .6rem;border:1px solid #aab0b8;border-radius:4px;background:#fff;cursor:pointer}
button:hover{background:#eef2f7}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
textarea{width:100%;display:block;margin:.3rem 0}
label{display:block}
th label,form.switch label{display:inline}
.empty{color:var(--muted)}
#events{grid-column:1/-1}
#event-list{list-style:none;margin:0;padding:0;max-height:22rem;overflow:auto}
#event-list li{padding:.15rem 0;border-top:1px solid #eef0f3;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#event-list time{color:var(--muted);font:12px ui-monospace,Menlo,Consolas,monospace;margin-right:.5rem}
.event.error code{color:var(--err)}
.event.control code{color:var(--ctl)}
.stream-status{font-weight:400;font-size:12px;color:var(--muted)}
.faults,.realms{list-style:none;margin:0 0 .5rem;padding:0}
.faults li,.realms li{padding:.25rem 0;border-top:1px solid #eef0f3;display:flex;flex-wrap:wrap;gap:.2rem .5rem;align-items:baseline}
.faults details{display:inline-block}
.faults pre{margin:.25rem 0;white-space:pre-wrap}
.grants{list-style:none;margin:0;padding:0}
.grant{border-top:1px solid #eef0f3;padding:.3rem 0}
.grant p{margin:0 0 .2rem}
.grant .end{color:var(--err)}
.grant .live{color:var(--ok)}
.timeline{display:flex;flex-wrap:wrap;gap:.3rem;list-style:none;margin:0;padding:0}
.step{border:1px solid var(--line);border-radius:12px;padding:.05rem .55rem;font-size:12.5px;background:#fafbfc}
.step.refused,.step.reuse,.step.replay,.step.revocation{border-color:#e6a5a0;background:#fdf3f2}
.step.rotation,.step.refresh{border-color:#a8cdb3;background:#f2f9f4}
.step time,.step .event{color:var(--muted)}
.report-client{margin:.4rem 0}
.check{font-size:12.5px}
.status-SUCCESS{color:var(--ok)} .status-FAILURE{color:var(--err)} .status-WARNING{color:#9a6700} .status-SKIPPED,.status-INFO{color:var(--muted)}
dl.state{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}
dt{color:var(--muted)} dd{margin:0;font-family:ui-monospace,Menlo,Consolas,monospace}
.login{max-width:32rem;margin:4rem auto;background:#fff;border:1px solid var(--line);border-radius:6px;padding:1rem 1.5rem;display:block}
.login input{width:100%;margin:.3rem 0 .6rem;font:inherit;padding:.3rem}
.error{color:var(--err)}
.note{color:var(--muted)}
`;
