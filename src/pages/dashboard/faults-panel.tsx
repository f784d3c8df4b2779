import type { Fault } from '../../faults.js';

const EXAMPLE = '{"endpoint":"token","grant":"refresh_token","effect":{"kind":"oauth-error","error":"temporarily_unavailable","status":503},"times":1}';

/** The active faults; refreshed in place as events come (a fault that struck counts down). */
export function FaultList(props: { faults: Fault[]; url: string }) {
  if (props.faults.length === 0) return <p class="empty">No active faults.</p>;
  return (
    <ul class="faults">
      {props.faults.map((f) => (
        <li data-fault={f.id}>
          <code>{f.id}</code> <span>{f.endpoint}</span> <span>{f.effect.kind}</span> <span class="times">{f.remaining === undefined ? 'until removed' : `×${f.remaining}`}</span>{' '}
          <details>
            <summary>JSON</summary>
            <pre>{JSON.stringify(f, null, 1)}</pre>
          </details>
          <button type="button" class="delete-fault" data-url={`${props.url}/${encodeURIComponent(f.id)}`} aria-label={`delete fault ${f.id}`}>
            delete
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The fault editor: a fault as JSON, posted as it is; the server's 400 is shown verbatim. */
export function FaultsPanel(props: { faults: Fault[]; url: string }) {
  return (
    <section id="faults" aria-labelledby="faults-h">
      <h2 id="faults-h">Faults</h2>
      <div class="fragment" data-panel="faults">
        <FaultList faults={props.faults} url={props.url} />
      </div>
      <form id="fault-form" data-url={props.url}>
        <label for="fault-json">Add a fault (JSON, see README "Fault model")</label>
        <textarea id="fault-json" name="fault" rows={4} spellcheck={false}>
          {EXAMPLE}
        </textarea>
        <button type="submit">add fault</button>
        <output id="fault-result" for="fault-json" aria-live="polite"></output>
      </form>
    </section>
  );
}
