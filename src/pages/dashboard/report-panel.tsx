/**
 * Each client's report card, from GET /control/report (`{clients: [{clientId, clientName, checks}]}`,
 * checks in the conformance suite's checks.json shape, src/report/check.ts). The script fills it.
 */
export function ReportPanel(props: { url: string }) {
  return (
    <section id="report" aria-labelledby="report-h">
      <h2 id="report-h">Report cards</h2>
      <div id="report-body" data-url={props.url} aria-live="polite">
        <p class="empty">Loading GET /control/report…</p>
      </div>
    </section>
  );
}
