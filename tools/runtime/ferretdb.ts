import fs from 'node:fs';
import path from 'node:path';

import { MongoClient } from 'mongodb';

import { hashFiles, isCached, writeMarker } from './cache';
import { CACHE_DIR, INFRA_DIR } from './paths';
import {
  type ManagedProcess,
  logFileFor,
  requireCommand,
  runCommand,
  spawnManaged,
  waitForReady,
} from './procs';

const MODULE_DIR = path.join(INFRA_DIR, 'ferretdb');
const PATCHES_DIR = path.join(MODULE_DIR, 'patches');
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const FERRETDB_CACHE = path.join(CACHE_DIR, 'ferretdb');

/**
 * One directory per set of build inputs (.cache/ferretdb/<hash>/): work trees that share a
 * .cache but differ in main.go or the patches never rebuild, or delete the source of, each
 * other's binary.
 */
function buildPaths(inputsSha256 = moduleHash()) {
  const dir = path.join(FERRETDB_CACHE, inputsSha256.slice(0, 16));
  return {
    dir,
    source: path.join(dir, 'src'),
    goWork: path.join(dir, 'go.work'),
    bin: path.join(dir, 'ferretdb'),
    marker: path.join(dir, 'provisioned.json'),
  };
}

/** Where the binary of the current infra/ferretdb inputs is (or will be) built. */
export function ferretDbBin(): string {
  return buildPaths().bin;
}

export const GO_HINT = 'install Go 1.24+ or set MONGO_URL to an existing MongoDB';

export interface ProvisionResult {
  readonly bin: string;
  /** False when `go build` ran in this call. */
  readonly cached: boolean;
}

/**
 * Builds the FerretDB wrapper (infra/ferretdb) into .cache/ferretdb/<inputs hash>/, unless its inputs are
 * unchanged: FerretDB's module source is copied out of Go's module cache, our patches
 * (infra/ferretdb/patches, see docs/adr/0003) are applied to the copy, and a go.work beside it
 * replaces the module with the copy for this build only.
 */
export async function provisionFerretDb(): Promise<ProvisionResult> {
  const inputsSha256 = moduleHash();
  const build = buildPaths(inputsSha256);
  if (isCached(build.marker, inputsSha256)) return { bin: build.bin, cached: true };

  requireCommand('go', GO_HINT);
  fs.rmSync(build.marker, { force: true });
  fs.mkdirSync(build.dir, { recursive: true });
  await preparePatchedSource(build);
  // Build next to the target and rename, so an interrupted build never leaves a half binary.
  const tmp = `${build.bin}.tmp-${process.pid}`;
  try {
    await runCommand(
      'building FerretDB (infra/ferretdb)',
      'go',
      ['build', '-trimpath', '-o', tmp, '.'],
      { cwd: MODULE_DIR, env: { ...process.env, GOWORK: build.goWork } },
    );
    fs.renameSync(tmp, build.bin);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  writeMarker(build.marker, { inputsSha256, outputs: [path.basename(build.bin)] });
  return { bin: build.bin, cached: false };
}

export function isFerretDbProvisioned(): boolean {
  const build = buildPaths();
  return isCached(build.marker, moduleHash());
}

function patchFiles(): string[] {
  return fs
    .readdirSync(PATCHES_DIR)
    .filter((name) => name.endsWith('.patch'))
    .sort()
    .map((name) => path.join(PATCHES_DIR, name));
}

function moduleHash(): string {
  return hashFiles([
    ...['go.mod', 'go.sum', 'main.go'].map((f) => path.join(MODULE_DIR, f)),
    ...patchFiles(),
  ]);
}

/** A fresh, patched copy of the FerretDB module version go.mod names, and a go.work using it. */
async function preparePatchedSource(build: ReturnType<typeof buildPaths>): Promise<void> {
  const download = JSON.parse(
    await runCommand('downloading FerretDB', 'go', ['mod', 'download', '-json', FERRETDB_MODULE], {
      cwd: MODULE_DIR,
    }),
  ) as { Dir: string; Version: string };
  fs.rmSync(build.source, { recursive: true, force: true });
  fs.cpSync(download.Dir, build.source, { recursive: true });
  makeWritable(build.source); // Go's module cache is read-only
  for (const patch of patchFiles()) {
    // git apply works outside a repository; the ceiling keeps it from finding ours above.
    await runCommand(`applying ${path.basename(patch)}`, 'git', ['apply', patch], {
      cwd: build.source,
      env: { ...process.env, GIT_CEILING_DIRECTORIES: build.dir },
    });
  }
  fs.writeFileSync(
    build.goWork,
    [
      'go 1.24',
      '',
      `use ${MODULE_DIR}`,
      '',
      `replace ${FERRETDB_MODULE} ${download.Version} => ${build.source}`,
      '',
    ].join('\n'),
  );
}

function makeWritable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(full);
    else fs.chmodSync(full, 0o644);
  }
}

export interface StartFerretDbOptions {
  /** SQLite files go here; unused when `postgresqlUrl` is set. */
  readonly dataDir: string;
  /** FerretDB's postgresql handler on this database instead of SQLite files (postgres.ts). */
  readonly postgresqlUrl?: string;
  readonly port?: number;
  /** Pid and log file name under .runtime/. */
  readonly name?: string;
  readonly readyTimeoutMs?: number;
  readonly detached?: boolean;
  /** FerretDB's own log level; `debug` logs every SQL statement. */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** More flags for infra/ferretdb (e.g. -setup-user to turn authentication on). */
  readonly args?: readonly string[];
}

export interface FerretDbServer extends ManagedProcess {
  readonly mongoUrl: string;
}

/**
 * Starts FerretDB (SQLite files under `dataDir`, or the PostgreSQL database `postgresqlUrl`)
 * and resolves once a driver `ping` succeeds.
 */
export async function startFerretDb(options: StartFerretDbOptions): Promise<FerretDbServer> {
  const {
    dataDir,
    port = 27017,
    name = 'ferretdb',
    readyTimeoutMs = 30_000,
    logLevel = 'info',
  } = options;
  const bin = ferretDbBin();
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run provisionFerretDb() first`);
  const storage = options.postgresqlUrl
    ? ['-postgresql-url', options.postgresqlUrl]
    : ['-data', path.resolve(dataDir)];
  if (!options.postgresqlUrl) fs.mkdirSync(path.resolve(dataDir), { recursive: true });

  const logFile = logFileFor(name);
  const proc = await spawnManaged(
    name,
    bin,
    ['-listen', `127.0.0.1:${port}`, ...storage, '-log-level', logLevel, ...(options.args ?? [])],
    {
      logFile,
      detached: options.detached,
    },
  );
  const mongoUrl = `mongodb://127.0.0.1:${port}/`;

  await waitForReady(proc, () => isMongoReady(mongoUrl), {
    what: `FerretDB at ${mongoUrl} to answer ping`,
    timeoutMs: readyTimeoutMs,
    intervalMs: 100,
  });
  return Object.assign(proc, { mongoUrl });
}

/** True when a MongoDB-protocol server at `url` answers `ping`. */
export async function isMongoReady(url: string): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 1_000, connectTimeoutMS: 1_000 });
  try {
    await client.connect();
    const reply = await client.db('admin').command({ ping: 1 });
    return reply.ok === 1;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}
