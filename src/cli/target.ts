import { readFileSync } from 'node:fs';
import { ConfigError, resolveConfig, SETTINGS, type Config } from '../config.js';
import { defaultBaseUrl } from '../urls.js';
import { optionsFromEverywhere } from './env.js';
import { liveServerRecord, stateFilePath, type ServerRecord } from './state-file.js';

/** The servers a `scenario` talks to, and how it found them. */
export interface Target {
  oauthUrl: string;
  mcpUrl: string;
  ca?: string;
  token?: string;
  /** How it was found: the state file, a flag or variable naming it, or the configured ports. */
  how: 'record' | 'named' | 'defaults';
  /** Said next to the URLs. */
  foundBy: string;
  /** The running `start` that recorded these URLs, when it was found that way. */
  record?: ServerRecord;
  config: Config;
}

const WHERE = ['oauthPort', 'mcpPort', 'oauthBaseUrl', 'mcpBaseUrl'] as const;

/**
 * Ports or base URLs named by a flag or an environment variable. Port 0 names no server (it asks for
 * any free port), and `.env` does not count: the `start` that read the same `.env` recorded where it
 * really listens.
 */
function namedExplicitly(flags: Record<string, string>, env: NodeJS.ProcessEnv): string | undefined {
  for (const key of WHERE) {
    const s = SETTINGS.find((x) => x.key === key)!;
    const byFlag = s.flag !== undefined && flags[s.flag] !== undefined ? { name: s.flag, value: flags[s.flag]! } : undefined;
    const byEnv = env[s.env] ? { name: s.env, value: env[s.env]! } : undefined;
    const named = byFlag ?? byEnv;
    if (named && !(s.kind === 'port' && Number(named.value) === 0)) return named.name;
  }
  return undefined;
}

export function findTarget(flags: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Target {
  const { tlsFromCertsDir: _, ...options } = optionsFromEverywhere(flags, env);
  const config = resolveConfig(options);
  const readCa = (file: string | undefined) => {
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read the certificate to trust, ${file} (TLS_CERT_FILE or ./certs): ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  };
  const named = namedExplicitly(flags, env);
  const record = named ? undefined : liveServerRecord(stateFilePath());
  if (record) {
    return {
      oauthUrl: record.oauthUrl,
      mcpUrl: record.mcpUrl,
      ca: readCa(record.tlsCertFile ?? config.tlsCertFile),
      token: config.controlToken,
      how: 'record',
      foundBy: `found in ${stateFilePath()}, pid ${record.pid}`,
      record,
      config,
    };
  }
  const tls = Boolean(config.tlsCertFile);
  return {
    oauthUrl: config.oauthBaseUrl ?? defaultBaseUrl(config.host, config.oauthPort, tls),
    mcpUrl: config.mcpBaseUrl ?? defaultBaseUrl(config.host, config.mcpPort, tls),
    ca: readCa(config.tlsCertFile),
    token: config.controlToken,
    how: named ? 'named' : 'defaults',
    foundBy: named ? `from ${named}` : `the default ports: no running server recorded for ${process.cwd()}`,
    config,
  };
}
