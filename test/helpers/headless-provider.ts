// The provider ships with the package (src/testing) so users can drive consent the same way.
export { HeadlessOAuthProvider as HeadlessProvider } from '../../src/testing/headless-provider.js';
