import { ARGS, SWITCHES, SWITCH_NAMES, type SwitchName } from '../../control/switch-table.js';
import type { Switches } from '../../control/state.js';
import { MCP_ERAS } from '../../policy.js';

/** Where a switch's route is: the AS's own path, or the MCP server's control plane (another origin). */
export interface SwitchTargets {
  oauth: string;
  mcp: string;
}

function Control(props: { name: SwitchName; value: unknown }) {
  const { name, value } = props;
  const arg = SWITCHES[name].arg;
  const id = `sw-${name}`;
  if (arg === 'on') return <input type="checkbox" id={id} name="on" checked={value === true} aria-describedby={`${id}-does`} />;
  if (arg === 'seconds')
    return (
      <>
        <input type="number" id={id} name="seconds" min="1" value={typeof value === 'number' ? String(value) : ''} aria-describedby={`${id}-does`} />
        <button type="submit">set</button>
      </>
    );
  if (arg === 'token')
    return (
      <>
        <input type="text" id={id} name="token" autocomplete="off" placeholder="rt_…" aria-describedby={`${id}-does`} />
        <button type="submit">seed</button>
      </>
    );
  if (arg === 'era')
    return (
      <select id={id} name="era" aria-describedby={`${id}-does`}>
        {MCP_ERAS.map((era) => (
          <option value={era} selected={value === era}>
            {era}
          </option>
        ))}
      </select>
    );
  if (arg === 'calls')
    return (
      <>
        <input type="number" id={id} name="calls" min="1" placeholder={typeof value === 'number' ? String(value) : value === true ? 'on' : 'off'} aria-describedby={`${id}-does`} />
        <button type="submit" name="mode" value="calls">
          arm
        </button>
        <button type="submit" name="mode" value="on">
          on
        </button>
        <button type="submit" name="mode" value="off">
          off
        </button>
      </>
    );
  return (
    <button type="submit" id={id} aria-describedby={`${id}-does`}>
      {name}
    </button>
  );
}

/**
 * Every switch of the table, each a form posting to its own route: a switch added to SWITCHES
 * appears here with no dashboard code. Without JavaScript the values are shown; changing one needs
 * it, since the control plane takes JSON bodies only (what keeps other pages' forms out).
 */
export function SwitchesPanel(props: { switches: Switches; targets: SwitchTargets }) {
  const state = props.switches as unknown as Record<string, unknown>;
  return (
    <section id="switches" aria-labelledby="switches-h">
      <h2 id="switches-h">Switches</h2>
      <table>
        <tbody>
          {SWITCH_NAMES.map((name) => {
            const sw = SWITCHES[name];
            const url = `${sw.server === 'mcp' ? props.targets.mcp : props.targets.oauth}/control/${name}`;
            return (
              <tr>
                <th scope="row">
                  <label for={`sw-${name}`}>{name}</label>
                  <span class="where">{sw.server === 'both' ? 'both' : sw.server === 'oauth' ? 'AS' : 'MCP'}</span>
                </th>
                <td>
                  <form class="switch" novalidate data-switch={name} data-arg={sw.arg} data-url={url} data-example={ARGS[sw.arg].example}>
                    <Control name={name} value={state[name]} />
                    <output for={`sw-${name}`} aria-live="polite"></output>
                  </form>
                </td>
                <td class="does" id={`sw-${name}-does`}>
                  {sw.does}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
