/**
 * The profile panel's script: GET /control/profile shows `{spec, persona}` and sets the selectors;
 * the form posts what they say (the empty persona is `null`: none).
 */
export const SCRIPT_PROFILE = String.raw`
const profileForm = $('#profile-form');
if (profileForm) {
  const statusLine = $('#profile-status');
  const loadProfile = async () => {
    const r = await call('GET', profileForm.dataset.url);
    if (!r.ok || !r.json) { statusLine.textContent = said(r); return; }
    profileForm.elements.spec.value = r.json.spec == null ? '' : String(r.json.spec);
    profileForm.elements.persona.value = r.json.persona == null ? '' : String(r.json.persona);
    statusLine.textContent = 'spec ' + (r.json.spec == null ? '(none)' : r.json.spec) + ' · persona ' + (r.json.persona == null ? '(none)' : r.json.persona);
  };
  profileForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const spec = profileForm.elements.spec.value;
    const persona = profileForm.elements.persona.value;
    const r = await call('POST', profileForm.dataset.url, { spec, persona: persona || null });
    show($('#profile-result'), r, 'applied');
    loadProfile();
  });
  loadProfile();
}
`;
