/**
 * The spec version and provider persona, against GET/POST /control/profile (`{spec, persona}`). The
 * script fills it; a server without that route says so.
 */
export function ProfilePanel(props: { url: string; available: boolean }) {
  return (
    <section id="profile" aria-labelledby="profile-h">
      <h2 id="profile-h">Profile</h2>
      <form id="profile-form" data-url={props.url} data-available={String(props.available)} hidden>
        <label for="profile-spec">Spec version</label>
        <input id="profile-spec" name="spec" type="text" autocomplete="off" placeholder="2025-06-18" />
        <label for="profile-persona">Persona (empty: none)</label>
        <input id="profile-persona" name="persona" type="text" autocomplete="off" placeholder="slack" />
        <button type="submit">apply</button>
        <output id="profile-result" aria-live="polite"></output>
      </form>
      <p id="profile-status" class="empty" aria-live="polite">
        Loading GET /control/profile…
      </p>
    </section>
  );
}
