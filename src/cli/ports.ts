import { ConfigError, type Config } from '../config.js';

/**
 * Both servers bind the same host, so one port cannot serve both: say so before binding, rather
 * than let the second bind fail with "in use" by our own first server.
 */
export function refuseEqualPorts(config: Pick<Config, 'oauthPort' | 'mcpPort'>): void {
  if (config.oauthPort !== 0 && config.oauthPort === config.mcpPort) {
    throw new ConfigError(`OAUTH_PORT (--oauth-port) and MCP_PORT (--mcp-port) are both ${config.oauthPort}: the two servers need two ports (or 0 for any free one)`);
  }
}
