/**
 * The profile panel's script: GET /control/profile shows `{spec, persona}`; the form posts what is
 * filled in (an empty persona is `null`: none). A server without the route (the page knows, or it answers
 * 404) says so.
 */
export const SCRIPT_PROFILE = String.raw`
const profileForm = $('#profile-form');
if (profileForm) {
  const statusLine = $('#profile-status');
  const loadProfile = async () => {
    const r = profileForm.dataset.available === 'false' ? { status: 404 } : await call('GET', profileForm.dataset.url);
    if (r.status === 404) {
      statusLine.textContent = 'Not available on this server: it has no GET /control/profile.';
      profileForm.hidden = true;
      return;
    }
    if (!r.ok || !r.json) { statusLine.textContent = said(r); return; }
    profileForm.hidden = false;
    profileForm.elements.spec.value = r.json.spec == null ? '' : String(r.json.spec);
    profileForm.elements.persona.value = r.json.persona == null ? '' : String(r.json.persona);
    statusLine.textContent = 'spec ' + (r.json.spec == null ? '(none)' : r.json.spec) + ' · persona ' + (r.json.persona == null ? '(none)' : r.json.persona);
  };
  profileForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const spec = profileForm.elements.spec.value.trim();
    const persona = profileForm.elements.persona.value.trim();
    const r = await call('POST', profileForm.dataset.url, Object.assign(spec ? { spec } : {}, { persona: persona || null }));
    show($('#profile-result'), r, 'applied');
    loadProfile();
  });
  loadProfile();
}
`;
