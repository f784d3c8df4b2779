/**
 * The report-card panel's script: GET /control/report (`{clients: [{clientId, clientName?, checks}]}`,
 * each check in the conformance suite's checks.json shape), re-read as events come.
 */
export const SCRIPT_REPORT = String.raw`
const reportBody = $('#report-body');
if (reportBody) {
  let reportTimer;
  const para = (text, cls) => { const p = document.createElement('p'); p.textContent = text; if (cls) p.className = cls; return p; };
  const loadReport = async () => {
    const r = await call('GET', reportBody.dataset.url);
    if (!r.ok || !r.json) return reportBody.replaceChildren(para(said(r), 'error'));
    const clients = Array.isArray(r.json.clients) ? r.json.clients : [];
    if (!clients.length) return reportBody.replaceChildren(para('No clients yet.', 'empty'));
    const blocks = clients.map((client) => {
      const div = document.createElement('div');
      div.className = 'report-client';
      const h = document.createElement('h3');
      h.textContent = client.clientName ? client.clientName + ' (' + client.clientId + ')' : String(client.clientId);
      const table = document.createElement('table');
      for (const check of Array.isArray(client.checks) ? client.checks : []) {
        const tr = table.insertRow();
        tr.className = 'check';
        const status = tr.insertCell();
        status.textContent = check.status;
        status.className = 'status-' + check.status;
        tr.insertCell().textContent = check.id;
        tr.insertCell().textContent = check.errorMessage || check.name || '';
      }
      div.append(h, table);
      return div;
    });
    reportBody.replaceChildren(...blocks);
  };
  loadReport();
  eventHooks.push(() => {
    clearTimeout(reportTimer);
    reportTimer = setTimeout(loadReport, 500);
  });
}
`;
