/**
 * The extension member (RFC 7662 §2.2 allows others) by which our authorization server tells our own
 * MCP server why a token is inactive. Only the configured introspection client gets it: every other
 * caller sees exactly `{"active":false}`, so nothing about dead tokens leaks to clients.
 * Both servers name it from here, since the MCP server may not import the authorization server.
 */
export const INACTIVE_REASON_MEMBER = 'mcp_oauth_test_server_inactive_reason';

/** How long a reason may be, as sent and as read: it ends up in a header. */
export const MAX_INACTIVE_REASON = 300;
