import type { ControlState } from '../../control/state.js';

/** What the realm holds now, readable without JavaScript; refreshed in place as events come. */
export function StateList(props: { state: ControlState }) {
  const { live, counters, clock } = props.state;
  const rows: Array<[string, string]> = [
    ['clients', String(live.clients)],
    ['live codes', String(live.codes)],
    ['live access tokens', String(live.accessTokens)],
    ['live refresh tokens', String(live.refreshTokens)],
    ['/authorize calls', String(counters.authorizeCalls)],
    ['/token calls', String(counters.tokenCalls)],
    ['refreshes', String(counters.refreshes)],
    ['MCP requests', String(counters.mcpRequests)],
    ['tool calls', String(counters.toolCalls)],
    ['clock', `${clock.now}${clock.offsetSeconds ? ` (+${clock.offsetSeconds} s)` : ''}`],
  ];
  return (
    <dl class="state">
      {rows.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd data-key={k}>{v}</dd>
        </>
      ))}
    </dl>
  );
}

export function StatePanel(props: { state: ControlState }) {
  return (
    <section id="state" aria-labelledby="state-h">
      <h2 id="state-h">State</h2>
      <div class="fragment" data-panel="state">
        <StateList state={props.state} />
      </div>
    </section>
  );
}
