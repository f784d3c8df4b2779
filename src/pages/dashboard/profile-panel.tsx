import { PERSONA_NAMES } from '../../profiles/personas.js';
import { SPEC_VERSIONS } from '../../profiles/spec-presets.js';

/**
 * The spec version and provider persona, against GET/POST /control/profile (`{spec, persona}`): one
 * selector each, their options the presets' and personas' own names, so a new one appears by itself.
 * The script shows the active profile and posts a change.
 */
export function ProfilePanel(props: { url: string }) {
  return (
    <section id="profile" aria-labelledby="profile-h">
      <h2 id="profile-h">Profile</h2>
      <form id="profile-form" data-url={props.url}>
        <label for="profile-spec">Spec version</label>
        <select id="profile-spec" name="spec">
          {SPEC_VERSIONS.map((v) => (
            <option value={v}>{v}</option>
          ))}
        </select>
        <label for="profile-persona">Persona</label>
        <select id="profile-persona" name="persona">
          <option value="">(none)</option>
          {PERSONA_NAMES.map((p) => (
            <option value={p}>{p}</option>
          ))}
        </select>
        <button type="submit">apply</button>
        <output id="profile-result" aria-live="polite"></output>
      </form>
      <p id="profile-status" class="empty" aria-live="polite">
        Loading GET /control/profile…
      </p>
    </section>
  );
}
