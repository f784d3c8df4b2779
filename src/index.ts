export { startServers, createAuthServer, createMcpServer, type StartOptions, type RunningServers } from './server.js';
export { ControlClient, ControlError, type ControlClientOptions, type FaultsView } from './control/client.js';
export type { ControlState, Switches } from './control/state.js';
export { ENDPOINTS, EFFECT_CATALOGUE, type Effect, type Endpoint, type Fault, type FaultSpec } from './control/faults.js';
export { resolveConfig, ConfigError, SETTINGS, type Config, type ServerOptions } from './config.js';
export { StartupError } from './http/listen.js';
export { Realm, type BoundConfig, type Counters } from './realm.js';
export type { ServerEvent, LogSink } from './events.js';
