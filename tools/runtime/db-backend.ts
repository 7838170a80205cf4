/**
 * Where our FerretDB keeps its data: SQLite files (the default) or a PostgreSQL database of
 * its own (postgres.ts). docs/adr/0003's 2026-12-06 addendum has the measurements behind the
 * default. `npm start -- --db-backend postgresql`, `npm run bench -- --db-backend ...` and
 * STOREFRONT_DB_BACKEND (read by the tests' infrastructure too) choose.
 */
import { UsageError } from '../cli/options';

export const DB_BACKENDS = ['sqlite', 'postgresql'] as const;
export type DbBackend = (typeof DB_BACKENDS)[number];

export const DEFAULT_DB_BACKEND: DbBackend = 'sqlite';

export const DB_BACKEND_ENV = 'STOREFRONT_DB_BACKEND';

export function isDbBackend(value: string): value is DbBackend {
  return (DB_BACKENDS as readonly string[]).includes(value);
}

/** A comma-separated list of backends (one or more), e.g. `sqlite,postgresql`. */
export function parseDbBackends(value: string, where = '--db-backend'): DbBackend[] {
  const backends = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of backends) {
    if (!isDbBackend(name)) {
      throw new UsageError(`${where}: unknown backend "${name}" (${DB_BACKENDS.join(', ')})`);
    }
  }
  if (backends.length === 0) throw new UsageError(`${where}: no backend given`);
  return [...new Set(backends)] as DbBackend[];
}

/** The backend STOREFRONT_DB_BACKEND names, or the default. */
export function dbBackendFromEnv(): DbBackend {
  const value = process.env[DB_BACKEND_ENV]?.trim();
  if (!value) return DEFAULT_DB_BACKEND;
  const [backend, ...more] = parseDbBackends(value, DB_BACKEND_ENV);
  if (more.length > 0) throw new UsageError(`${DB_BACKEND_ENV} takes one backend (got "${value}")`);
  return backend;
}
