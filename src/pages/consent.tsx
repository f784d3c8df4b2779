import { Layout } from './layout.js';

/** What the consent page shows: every string as the client or the request gave it (hono/jsx escapes them all). */
export interface ConsentView {
  clientId: string;
  /** The registration's client_name, or undefined when it gave none. */
  clientName?: string;
  /** The registration's client_uri: a link only when it is http(s), text otherwise (a `javascript:` URI is never clickable). */
  clientUri?: string;
  /** Where the answer goes: the redirect URI's host (or its scheme, for a native app's private-use scheme). */
  redirectTo: string;
  resources: string[];
  /** Each a checkbox, ticked: a person may grant fewer. */
  scopes: string[];
  /** The test users to pick from; the first is preselected. */
  users: string[];
  /** The parked request's id and its anti-forgery token, carried by the form. */
  consentId: string;
  csrf: string;
}

/**
 * The consent page: a real form, readable and usable without JavaScript, every input labelled, the
 * focus order the reading order (scopes, user, Approve, Deny). Approve is the first submit button,
 * so Enter in the form approves, as it does on the providers people know.
 */
export function ConsentPage(v: ConsentView) {
  const name = v.clientName ?? v.clientId;
  const link = v.clientUri && /^https?:\/\//i.test(v.clientUri);
  return (
    <Layout title={`Authorize ${name}`}>
      <main>
        <h1>
          Authorize <span id="client-name">{name}</span>
        </h1>
        <p class="muted">This test server asks in place of a real user: what you decide here is what the client gets back.</p>
        <dl>
          <dt>Client ID</dt>
          <dd>
            <code>{v.clientId}</code>
          </dd>
          {v.clientUri && (
            <>
              <dt>Client URI</dt>
              <dd id="client-uri">{link ? <a href={v.clientUri} rel="noopener noreferrer" target="_blank">{v.clientUri}</a> : <code>{v.clientUri}</code>}</dd>
            </>
          )}
          <dt>Redirects to</dt>
          <dd>
            <code id="redirect-to">{v.redirectTo}</code>
          </dd>
          <dt>{v.resources.length > 1 ? 'Resources' : 'Resource'}</dt>
          <dd>
            {v.resources.map((r) => (
              <div>
                <code>{r}</code>
              </div>
            ))}
          </dd>
        </dl>
        <form method="post" action="consent">
          <input type="hidden" name="consent_id" value={v.consentId} />
          <input type="hidden" name="csrf" value={v.csrf} />
          <fieldset>
            <legend>Scopes requested</legend>
            {v.scopes.map((s, i) => (
              <label for={`scope-${i}`}>
                <input type="checkbox" id={`scope-${i}`} name="scope" value={s} checked />
                <code>{s}</code>
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Sign in as (test user)</legend>
            {v.users.map((u, i) => (
              <label for={`user-${i}`}>
                <input type="radio" id={`user-${i}`} name="sub" value={u} checked={i === 0} />
                <code>{u}</code>
              </label>
            ))}
          </fieldset>
          <div class="actions">
            <button type="submit" name="decision" value="approve" class="primary">
              Approve
            </button>
            <button type="submit" name="decision" value="deny">
              Deny
            </button>
          </div>
        </form>
      </main>
    </Layout>
  );
}

/** The page a decision that cannot be carried out gets (forged, replayed, expired): 400, nothing issued, nothing redirected. */
export function ConsentRefusedPage({ error, description }: { error: string; description: string }) {
  return (
    <Layout title={error}>
      <main>
        <h1>Consent not recorded</h1>
        <p>
          <code>{error}</code>: {description}
        </p>
        <p class="muted">Nothing was issued, and the client was not redirected. Start again from the client.</p>
      </main>
    </Layout>
  );
}
