import path from 'node:path';

/** Repository root (this file lives in tools/runtime/). */
export const ROOT = path.resolve(__dirname, '..', '..');

/** Provisioned artefacts (Kafka jars, the FerretDB binary); git-ignored, safe to delete. */
export const CACHE_DIR = path.join(ROOT, '.cache');

/** Mutable runtime state: server data, logs and pid files; git-ignored. */
export const RUNTIME_DIR = path.join(ROOT, '.runtime');

export const PIDS_DIR = path.join(RUNTIME_DIR, 'pids');

export const LOGS_DIR = path.join(RUNTIME_DIR, 'logs');

/** Project-owned build inputs for the infrastructure (the Kafka POM, the FerretDB wrapper). */
export const INFRA_DIR = path.join(ROOT, 'infra');

/** `secure`: the `npm start -- --secure` runtime (its broker authenticates and authorizes). */
export type Profile = 'dev' | 'test' | 'secure';

/** Data of one profile, so a test run never touches the data of a developer's `npm start`. */
export function profileDataDir(
  profile: Profile,
  server: 'kafka' | 'ferretdb' | 'postgresql',
): string {
  return path.join(RUNTIME_DIR, profile, server);
}

/** Password files of a profile's broker users (mode 600, in a mode 700 folder). */
export function profileSecretsDir(profile: Profile): string {
  return path.join(RUNTIME_DIR, profile, 'secrets');
}
