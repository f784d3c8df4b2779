import { optionsFromEnv, optionsFromFlags, readDotEnv, type ServerOptions } from '../config.js';
import { certsPresent } from '../certs.js';

/** Defaults < .env < environment < flags; a ./certs pair is used when no TLS files are configured. */
export function optionsFromEverywhere(flags: Record<string, string>, env: NodeJS.ProcessEnv = process.env): ServerOptions & { tlsFromCertsDir: boolean } {
  const merged = { ...readDotEnv(), ...env };
  const options: ServerOptions = { ...optionsFromEnv(merged), ...optionsFromFlags(flags) };
  let tlsFromCertsDir = false;
  if (!options.tlsCertFile && !options.tlsKeyFile) {
    const found = certsPresent();
    if (found) {
      options.tlsCertFile = found.cert;
      options.tlsKeyFile = found.key;
      tlsFromCertsDir = true;
    }
  }
  return { ...options, tlsFromCertsDir };
}
