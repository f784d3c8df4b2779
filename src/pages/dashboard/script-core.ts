/**
 * The dashboard's script, part one (plain JavaScript, no build step; served as /dashboard.js with
 * the panels' parts after it, in one function scope). It writes through the control routes with
 * fetch and JSON bodies (same origin, or the MCP server's for its switches), follows
 * /control/events/stream, and refreshes the server-rendered fragments in place. Text from the
 * server goes in with textContent, or as HTML the server escaped (the fragments).
 */
export const SCRIPT_CORE = String.raw`
'use strict';
const body = document.body;
const base = body.dataset.base || '';
const mcpSibling = body.dataset.mcpSibling === 'true';
const $ = (sel, root) => (root || document).querySelector(sel);
const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
const sameOrigin = (url) => new URL(url, location.href).origin === location.origin;

/** One control call; never throws: what came back (or why nothing did) is the answer. */
async function call(method, url, payload) {
  const init = { method, headers: {}, credentials: sameOrigin(url) ? 'same-origin' : mcpSibling ? 'include' : 'omit' };
  if (payload !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (err) {
    return { ok: false, status: 0, text: 'no answer (' + err.message + '): is the server running, and does it allow this origin?', json: undefined };
  }
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch (_) { json = undefined; }
  return { ok: res.ok, status: res.status, text, json };
}

/** The server's own words: its error_description exactly, after the status. */
const said = (r) => (r.ok ? 'ok' : (r.status ? 'HTTP ' + r.status + ': ' : '') + (r.json && typeof r.json.error_description === 'string' ? r.json.error_description : r.text.trim()));
function show(out, r, okText) {
  if (!out) return;
  out.textContent = r.ok ? okText : said(r);
  out.className = r.ok ? 'ok' : 'error';
}

// Fragments: re-rendered by the server, replaced in place; never under the keyboard's focus.
const pending = new Set();
let flushTimer;
function refresh(name) {
  if (!$('.fragment[data-panel="' + name + '"]')) return;
  pending.add(name);
  clearTimeout(flushTimer);
  flushTimer = setTimeout(flush, 150);
}
async function flush() {
  for (const name of Array.from(pending)) {
    const el = $('.fragment[data-panel="' + name + '"]');
    if (el.contains(document.activeElement)) continue;
    pending.delete(name);
    const res = await fetch(base + '/dashboard/panel/' + name, { credentials: 'same-origin' }).catch(() => undefined);
    if (res && res.ok) el.innerHTML = await res.text();
  }
  if (pending.size) flushTimer = setTimeout(flush, 1000);
}
const refreshAll = () => ['state', 'faults', 'lineage', 'realms'].forEach(refresh);

// Switches: derived from the switch table by the server; each form knows its route and argument.
function applySwitches(sw) {
  for (const name of Object.keys(sw)) {
    const form = $('form.switch[data-switch="' + CSS.escape(name) + '"]');
    if (!form) continue;
    const v = sw[name];
    const input = form.elements[form.dataset.arg === 'calls' ? 'calls' : form.dataset.arg];
    if (!input) continue;
    if (input.type === 'checkbox') input.checked = v === true;
    else if (input.tagName === 'SELECT') input.value = v;
    else if (form.dataset.arg === 'calls') input.placeholder = typeof v === 'number' ? String(v) : v ? 'on' : 'off';
    else if (form.dataset.arg === 'seconds') input.value = String(v);
  }
}
for (const form of $$('form.switch')) {
  const arg = form.dataset.arg;
  const out = $('output', form);
  const send = async (payload, undo) => {
    out.textContent = '…';
    out.className = '';
    const r = await call('POST', form.dataset.url, payload);
    show(out, r, '✓ ' + form.dataset.switch);
    if (r.ok && r.json && r.json.switches) applySwitches(r.json.switches);
    if (!r.ok && undo) undo();
    refreshAll();
  };
  const el = form.elements;
  if (arg === 'on') el.on.addEventListener('change', () => send({ on: el.on.checked }, () => { el.on.checked = !el.on.checked; }));
  if (arg === 'era') el.era.addEventListener('change', () => send({ era: el.era.value }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (arg === 'on') send({ on: el.on.checked });
    else if (arg === 'era') send({ era: el.era.value });
    else if (arg === 'seconds') send({ seconds: Number(el.seconds.value) });
    else if (arg === 'token') send({ token: el.token.value });
    else if (arg === 'calls') {
      const mode = ev.submitter ? ev.submitter.value : 'calls';
      send(mode === 'calls' ? { calls: Number(el.calls.value) } : { on: mode === 'on' });
    } else send(undefined);
  });
}

// Faults: the JSON is sent as typed, so the server's 400 names exactly what is wrong with it.
const faultForm = $('#fault-form');
if (faultForm) {
  faultForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await call('POST', faultForm.dataset.url, faultForm.elements.fault.value);
    show($('#fault-result'), r, r.ok && r.json && r.json.fault ? 'added ' + r.json.fault.id : 'added');
    refresh('faults');
  });
}

// Realms: create by id (or none), delete from the list.
const realmForm = $('#realm-form');
if (realmForm) {
  realmForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = realmForm.elements.id.value.trim();
    const r = await call('POST', realmForm.dataset.url, id ? { id } : {});
    show($('#realm-result'), r, r.ok && r.json ? 'created ' + r.json.id : 'created');
    refresh('realms');
  });
}
document.addEventListener('click', async (ev) => {
  const button = ev.target.closest && ev.target.closest('button.delete-fault, button.delete-realm');
  if (!button) return;
  const realm = button.classList.contains('delete-realm');
  const r = await call('DELETE', button.dataset.url);
  const out = realm ? $('#realm-result') : $('#fault-result');
  show(out, r, realm ? 'ended ' + (r.json && r.json.ended) : 'deleted');
  button.blur();
  refresh(realm ? 'realms' : 'faults');
});

// Events: the console's line for each, newest first, at most data-kept of them in the page.
function line(e) {
  const extra = (parts) => parts.filter(Boolean).join(' ');
  if (e.type === 'control') {
    const x = extra([e.fault ? 'fault=' + e.fault : '', e.reason || '']);
    return '[' + e.server + '] control ' + e.method + ' ' + e.path + ' → ' + e.outcome + (x ? ' ' + x : '');
  }
  const what = e.endpoint === 'token' ? e.grant : e.endpoint === 'mcp' ? [e.rpcMethod, e.tool].filter(Boolean).join(' ') : '';
  const facts = e.endpoint === 'authorize' && e.outcome === 'ok' && e.scopes ? 'scope="' + e.scopes.join(' ') + '"' + (e.resources && e.resources.length ? ' resource=' + e.resources.join(',') : '') : '';
  const why = e.outcome !== 'ok' && e.reason ? '— ' + e.reason : '';
  const x = extra([e.fault ? 'fault=' + e.fault : '', facts, why]);
  return '[' + e.server + '] ' + e.method + ' ' + e.path + (what ? ' ' + what : '') + ' → ' + e.outcome + ' ' + e.status + ' ' + e.ms + 'ms' + (x ? ' ' + x : '');
}
const eventHooks = [];
const list = $('#event-list');
if (list && window.EventSource) {
  const kept = Number(list.dataset.kept) || 200;
  const status = $('#stream-status');
  const source = new EventSource(list.dataset.stream + '?since=' + encodeURIComponent(list.dataset.since || '0'));
  source.onopen = () => { status.textContent = 'live'; };
  source.onerror = () => { status.textContent = source.readyState === EventSource.CLOSED ? 'stream closed: reload the page' : 'reconnecting…'; };
  source.onmessage = (m) => {
    let e;
    try { e = JSON.parse(m.data); } catch (_) { return; }
    const li = document.createElement('li');
    li.className = 'event ' + (e.type === 'control' ? 'control' : e.status >= 400 ? 'error' : 'ok');
    li.dataset.id = String(e.id);
    const time = document.createElement('time');
    time.dateTime = e.at;
    time.textContent = String(e.at).slice(11, 23);
    const code = document.createElement('code');
    code.textContent = line(e);
    li.append(time, ' ', code);
    list.prepend(li);
    while (list.children.length > kept) list.lastElementChild.remove();
    refreshAll();
    for (const hook of eventHooks) hook(e);
  };
  addEventListener('pagehide', () => source.close());
}
`;
