import type { RealmInfo } from '../../realms.js';

/** The created realms, each with a link to its own dashboard. */
export function RealmList(props: { realms: RealmInfo[]; max: number; url: string; root: string }) {
  return (
    <>
      <p>
        {props.realms.length} of {props.max} realms.
      </p>
      {props.realms.length === 0 ? null : (
        <ul class="realms">
          {props.realms.map((r) => (
            <li data-realm={r.id}>
              <a href={`${props.root}/r/${encodeURIComponent(r.id)}/`}>{r.id}</a> <span class="idle">idle {r.idleSeconds} s of {r.ttlSeconds} s</span>{' '}
              <button type="button" class="delete-realm" data-url={`${props.url}/${encodeURIComponent(r.id)}`} aria-label={`delete realm ${r.id}`}>
                delete
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** On the default realm: list, create (an id, or one made up), delete. A realm's own page links back. */
export function RealmsPanel(props: { realms?: { list: RealmInfo[]; max: number }; here?: string; url: string; root: string }) {
  return (
    <section id="realms" aria-labelledby="realms-h">
      <h2 id="realms-h">Realms</h2>
      {props.realms === undefined ? (
        <p>
          This is realm <code>{props.here ?? '?'}</code>. Realms are created and ended on <a href={`${props.root}/`}>the default realm's dashboard</a>.
        </p>
      ) : (
        <>
          <div class="fragment" data-panel="realms">
            <RealmList realms={props.realms.list} max={props.realms.max} url={props.url} root={props.root} />
          </div>
          <form id="realm-form" novalidate data-url={props.url}>
            <label for="realm-id">New realm id (empty: one is made up)</label>
            <input id="realm-id" name="id" type="text" autocomplete="off" pattern="[a-z0-9-]{1,64}" />
            <button type="submit">create realm</button>
            <output id="realm-result" for="realm-id" aria-live="polite"></output>
          </form>
        </>
      )}
    </section>
  );
}
