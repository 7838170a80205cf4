import type { BasicCredentials } from '../http/credentials';

/** Credentials for the registry, as Eureka clients carry them: in the service URL or beside it. */
export type RegistryCredentials = BasicCredentials;

/**
 * Splits `http://user:password@host:8761/eureka` (Spring's defaultZone convention) into the
 * bare URL and its credentials, so URLs can be logged and shown without the password.
 */
export function splitUrlCredentials(raw: string): {
  url: string;
  credentials?: RegistryCredentials;
} {
  const parsed = new URL(raw);
  if (!parsed.username && !parsed.password) return { url: raw };
  const credentials = {
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString().replace(/\/+$/, ''), credentials };
}

/**
 * The credentials to send: the configured user and password win; otherwise the first URL that
 * carries some. Undefined when there are none (a registry without a password accepts that).
 */
export function registryCredentials(
  urls: readonly string[],
  username: string | undefined,
  password: string | undefined,
): { urls: string[]; credentials?: RegistryCredentials } {
  const split = urls.map(splitUrlCredentials);
  const fromUrl = split.find((entry) => entry.credentials)?.credentials;
  const credentials =
    password !== undefined ? { username: username ?? 'eureka', password } : fromUrl;
  return { urls: split.map((entry) => entry.url), credentials };
}
