import type { Form } from '../../http/form.js';
import { OAuthError } from '../../http/oauth-error.js';
import { parseResources } from '../params.js';

/** RFC 8707 §2.2: at the token endpoint, `resource` may only narrow what was authorized. */
export function narrowResources(form: Form, authorized: string[]): string[] {
  const values = form.all('resource');
  // Resources the authorization already holds were validated when it was made: parsing them again as
  // URLs (each refresh and redemption sends its resource) would only cost time.
  const requested = values.every((v) => authorized.includes(v)) ? [...new Set(values)] : parseResources(values);
  if (requested.length === 0) return authorized;
  if (authorized.length === 0) return requested;
  const outside = requested.filter((r) => !authorized.includes(r));
  if (outside.length) throw new OAuthError('invalid_target', `resource ${outside.join(', ')} was not part of the authorization`);
  // The whole authorization asked for again (what clients do): its own list, which the grant's
  // tokens then share instead of keeping a copy each.
  return requested.length === authorized.length ? authorized : requested;
}
