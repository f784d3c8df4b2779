import type { GrantLineage, StepKind } from '../../control/lineage.js';

const LABEL: Record<StepKind, string> = {
  code: 'code issued',
  tokens: 'tokens issued',
  refresh: 'refreshed',
  rotation: 'refreshed, rotated',
  refused: 'refused',
  reuse: 'rotated token reused: family revoked',
  replay: 'code replayed: tokens revoked',
  revocation: 'revoked',
};

/** Each grant as a timeline, newest grant first: from the code to how it ended. */
export function LineageList(props: { grants: GrantLineage[] }) {
  if (props.grants.length === 0) return <p class="empty">No grants yet: a client's first /authorize starts one.</p>;
  return (
    <ol class="grants">
      {props.grants.map((g) => (
        <li class={`grant${g.ended ? ' ended' : ''}`} data-grant={g.grantId}>
          <p>
            <code>{g.grantId}</code> {g.clientId ? <span class="client">client {g.clientId}</span> : null} {g.ended ? <strong class="end">ended: {g.ended}</strong> : <span class="live">live</span>}
          </p>
          <ol class="timeline">
            {g.steps.map((s) => (
              <li class={`step ${s.kind}`} data-kind={s.kind} title={s.reason ?? ''}>
                <span class="kind">{LABEL[s.kind]}</span> <span class="status">{s.status}</span>
                {s.outcome !== 'ok' ? <span class="outcome"> {s.outcome}</span> : null}
                {s.revoked !== undefined ? <span class="revoked"> ({s.revoked} revoked)</span> : null} <time datetime={s.at}>{s.at.slice(11, 19)}</time> <span class="event">#{s.eventId}</span>
              </li>
            ))}
          </ol>
        </li>
      ))}
    </ol>
  );
}

export function LineagePanel(props: { grants: GrantLineage[] }) {
  return (
    <section id="lineage" aria-labelledby="lineage-h">
      <h2 id="lineage-h">Grants</h2>
      <div class="fragment" data-panel="lineage">
        <LineageList grants={props.grants} />
      </div>
    </section>
  );
}
