/**
 * PostgreSQL for FerretDB's postgresql handler (`--db-backend postgresql`): Debian's server
 * binaries, a cluster of our own under the given data directory, listening on 127.0.0.1 only,
 * no Unix socket, trust authentication (loopback only, like the open FerretDB and Kafka).
 *
 * initdb and postgres refuse to run as root, so when we are root both run as the `postgres`
 * user that Debian's package creates (`nobody` if there is none), with the data directory
 * handed to that user. When the binaries are missing and we are root, Debian's `postgresql`
 * package is installed with apt-get, as tools/ensure-deps.js does for Chromium.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import {
  type ManagedProcess,
  PrerequisiteError,
  logFileFor,
  runCommand,
  spawnManaged,
  waitForReady,
} from './procs';

/** The superuser initdb creates, and the one FerretDB connects as. */
const PG_USER = 'ferretdb';
/** FerretDB keeps each MongoDB database as a schema of this one PostgreSQL database. */
const PG_DATABASE = 'ferretdb';

export const POSTGRES_HINT =
  "install Debian's postgresql package (apt-get install postgresql) or set POSTGRES_BIN_DIR to the directory holding postgres and initdb";

export interface PostgresBinaries {
  readonly postgres: string;
  readonly initdb: string;
}

/**
 * postgres and initdb from POSTGRES_BIN_DIR, Debian's /usr/lib/postgresql/<newest>/bin or the
 * PATH; installs Debian's package first when none is there and we may (root).
 */
export function provisionPostgres(log: (line: string) => void = () => undefined): PostgresBinaries {
  const found = findBinaries();
  if (found) return found;
  if (process.env.POSTGRES_BIN_DIR || process.getuid?.() !== 0) {
    throw new PrerequisiteError(`PostgreSQL's postgres and initdb not found: ${POSTGRES_HINT}`);
  }
  log("postgresql: installing Debian's postgresql package (apt-get)…");
  try {
    execSync(
      'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null',
      { stdio: 'inherit', shell: '/bin/bash' },
    );
  } catch {
    throw new PrerequisiteError(`apt-get could not install postgresql: ${POSTGRES_HINT}`);
  }
  const installed = findBinaries();
  if (!installed) throw new PrerequisiteError(`postgresql installed, but no postgres binary found`);
  return installed;
}

function findBinaries(): PostgresBinaries | undefined {
  const debian = '/usr/lib/postgresql';
  const versions = fs.existsSync(debian)
    ? fs
        .readdirSync(debian)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => path.join(debian, v, 'bin'))
    : [];
  const fromEnv = process.env.POSTGRES_BIN_DIR?.trim();
  const dirs = fromEnv
    ? [fromEnv]
    : [...versions, ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const postgres = path.join(dir, 'postgres');
    const initdb = path.join(dir, 'initdb');
    if (isExecutable(postgres) && isExecutable(initdb)) return { postgres, initdb };
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Who runs the server: ourselves, or (as root, which initdb refuses) an unprivileged user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = fs.readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (fields) return { uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new PrerequisiteError('running as root, and neither a postgres nor a nobody user exists');
}

/** initdb and the server, as `owner`, must be able to pass through every folder above the cluster. */
function requireReachable(dataDir: string, owner: { uid: number; gid: number }): void {
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (stat) {
      const mode =
        stat.uid === owner.uid
          ? stat.mode >> 6
          : stat.gid === owner.gid
            ? stat.mode >> 3
            : stat.mode;
      if ((mode & 0o1) === 0) {
        throw new PrerequisiteError(
          `PostgreSQL runs as uid ${owner.uid} (initdb refuses root) and cannot enter ${dir}: give it o+x, or keep the project somewhere it can`,
        );
      }
    }
    if (dir === path.dirname(dir)) return;
  }
}

function chownTree(dir: string, owner: { uid: number; gid: number }): void {
  fs.chownSync(dir, owner.uid, owner.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, owner);
    else fs.chownSync(full, owner.uid, owner.gid);
  }
}

export interface StartPostgresOptions {
  /** The cluster's directory: created by initdb when it holds none. */
  readonly dataDir: string;
  readonly port: number;
  /** Pid and log file name under .runtime/. */
  readonly name?: string;
  readonly detached?: boolean;
  readonly readyTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface PostgresServer extends ManagedProcess {
  /** What FerretDB's -postgresql-url takes. */
  readonly url: string;
}

/** Starts PostgreSQL (initdb first on an empty `dataDir`) and resolves once it accepts connections. */
export async function startPostgres(options: StartPostgresOptions): Promise<PostgresServer> {
  const { port, name = 'postgres', readyTimeoutMs = 60_000 } = options;
  const bins = provisionPostgres(options.log);
  const dataDir = path.resolve(options.dataDir);
  const owner = serverUser();
  const env = { ...process.env, LC_ALL: 'C', TZ: 'UTC' };
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};

  if (owner) requireReachable(dataDir, owner);
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (owner) chownTree(dataDir, owner);
    // FerretDB accepts only UTF8 with the C (or en_US) collation.
    await runCommand(
      'initdb',
      bins.initdb,
      ['-D', dataDir, '-U', PG_USER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      { env, ...asOwner },
    );
    fs.appendFileSync(
      path.join(dataDir, 'postgresql.conf'),
      "\n# storefront (tools/runtime/postgres.ts)\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n",
    );
    // A database of FerretDB's own, made without a client: postgres in single-user mode.
    await runCommand(
      'creating the ferretdb database',
      bins.postgres,
      ['--single', '-D', dataDir, 'postgres'],
      { env, input: `CREATE DATABASE ${PG_DATABASE};\n`, ...asOwner },
    );
  }

  const proc = await spawnManaged(name, bins.postgres, ['-D', dataDir, '-p', String(port)], {
    logFile: logFileFor(name),
    detached: options.detached,
    env,
    ...asOwner,
  });
  await waitForReady(proc, () => Promise.resolve(isAcceptingConnections(dataDir, proc.pid)), {
    what: `PostgreSQL on 127.0.0.1:${port} to accept connections`,
    timeoutMs: readyTimeoutMs,
    intervalMs: 100,
  });
  return Object.assign(proc, { url: `postgres://${PG_USER}@127.0.0.1:${port}/${PG_DATABASE}` });
}

/**
 * What pg_ctl -w reads: postmaster.pid names the running postmaster and, on its eighth line,
 * says `ready` once the server accepts connections.
 */
function isAcceptingConnections(dataDir: string, pid: number): boolean {
  try {
    const lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    return Number(lines[0]) === pid && lines[7]?.trim() === 'ready';
  } catch {
    return false;
  }
}
