/**
 * The little of oidc-provider's API the bench peer uses (the package ships JavaScript only; its
 * configuration is documented in its README). Typed here rather than adding @types/oidc-provider.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
