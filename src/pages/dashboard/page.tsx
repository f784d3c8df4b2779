import type { GrantLineage } from '../../control/lineage.js';
import type { ControlState } from '../../control/state.js';
import type { ServerEvent } from '../../events.js';
import type { Fault } from '../../faults.js';
import type { RealmInfo } from '../../realms.js';
import { EventsPanel } from './events-panel.js';
import { FaultsPanel } from './faults-panel.js';
import { Layout } from './layout.js';
import { LineagePanel } from './lineage-panel.js';
import { ProfilePanel } from './profile-panel.js';
import { RealmsPanel } from './realms-panel.js';
import { ReportPanel } from './report-panel.js';
import { StatePanel } from './state-panel.js';
import { SwitchesPanel } from './switches-panel.js';

/** Everything one dashboard page shows, gathered by the route. */
export interface DashboardView {
  /** The realm's issuer path: '' for the default realm at the root, '/r/<id>' for a created one. */
  base: string;
  /** The default realm's issuer path, where realms are listed. */
  root: string;
  issuer: string;
  mcpUrl: string;
  /** The MCP server's control plane (another origin). */
  mcpControl: string;
  /** The MCP server runs in this process and takes the dashboard's writes (the session cookie with them). */
  mcpSibling: boolean;
  realmId: string;
  locked: boolean;
  state: ControlState;
  events: ServerEvent[];
  faults: Fault[];
  grants: GrantLineage[];
  /** Only on the default realm. */
  realms?: { list: RealmInfo[]; max: number };
}

export function DashboardPage(props: { view: DashboardView }) {
  const v = props.view;
  const control = `${v.base}/control`;
  return (
    <Layout
      title={`Dashboard · ${v.realmId} · mcp-oauth-test-server`}
      base={v.base}
      script
      data={{ base: v.base, 'mcp-sibling': String(v.mcpSibling) }}
    >
      <header>
        <h1>
          mcp-oauth-test-server <span class="realm">realm {v.realmId}</span>
        </h1>
        <p class="urls">
          issuer <code>{v.issuer}</code> · MCP <code>{v.mcpUrl}</code> · <a href={`${control}/state`}>/control/state</a>
        </p>
        {v.locked ? (
          <form method="post" action={`${v.base}/dashboard/logout`} class="logout">
            <button type="submit">log out</button>
          </form>
        ) : null}
        <noscript>
          <p class="note">Without JavaScript this page shows the state as it was when loaded; changes need JavaScript (the control plane takes JSON bodies only, which keeps other sites' forms out).</p>
        </noscript>
      </header>
      <main>
        <SwitchesPanel switches={v.state.switches} targets={{ oauth: v.base, mcp: v.mcpControl }} />
        <StatePanel state={v.state} />
        <FaultsPanel faults={v.faults} url={`${control}/faults`} />
        <ProfilePanel url={`${control}/profile`} />
        <EventsPanel events={v.events} streamUrl={`${control}/events/stream`} since={v.state.lastEventId} />
        <LineagePanel grants={v.grants} />
        <ReportPanel url={`${control}/report`} />
        <RealmsPanel realms={v.realms} here={v.realmId} url={`${v.root}/control/realms`} root={v.root} />
      </main>
    </Layout>
  );
}
