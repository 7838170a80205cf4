/**
 * Kafka and FerretDB for the benchmark: the servers named by KAFKA_BROKERS / MONGO_URL, or a
 * broker and a database of its own on free ports with fresh data under .runtime/bench/. Never
 * the shared default ports: a colleague's test run there may stop its servers mid-benchmark,
 * and its load would be measured as ours.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DbBackend } from '../../tools/runtime/db-backend';
import { isMongoReady, provisionFerretDb, startFerretDb } from '../../tools/runtime/ferretdb';
import {
  clusterSize,
  ensureTopics,
  isKafkaReady,
  type KafkaCredentials,
  provisionKafka,
  startKafka,
  startKafkaCluster,
} from '../../tools/runtime/kafka';
import { RUNTIME_DIR } from '../../tools/runtime/paths';
import { startPostgres } from '../../tools/runtime/postgres';
import { ensurePortFree, type ManagedProcess } from '../../tools/runtime/procs';
import { type SecureKafka, startSecureKafka } from '../../tools/runtime/secure-kafka';
import { freePort } from '../../tools/runtime/test-stack';
import { waitUntil } from '../../tools/runtime/wait';
import type { NamedPid } from './cpu';

export interface BenchInfra {
  readonly kafkaBrokers: string[];
  readonly mongoUrl: string;
  /** `own` when this run started them, `external` when KAFKA_BROKERS / MONGO_URL named them. */
  readonly kafkaSource: 'own' | 'external';
  readonly mongoSource: 'own' | 'external';
  /** Where the FerretDB of this run keeps its data (unknown for MONGO_URL's server). */
  readonly dbBackend: DbBackend;
  /** This run's own FerretDB serves Go's CPU profiles here (`-debug-addr`, loopback). */
  readonly databaseProfileUrl?: string;
  /** The servers this run started (for CPU accounting). */
  readonly processes: NamedPid[];
  /**
   * Set with `--secure`: the broker takes SASL/SCRAM-SHA-512 and enforces the ACL table; each
   * app connects as its own user, the bench's own clients (the floor) as `admin`.
   */
  readonly kafkaSecurity?: Pick<SecureKafka, 'credentials' | 'passwordFiles'>;
  /** What the bench's own Kafka clients present (`admin` on a secure broker). */
  readonly kafkaClientCredentials?: KafkaCredentials;
  /** Each server this run started (every node of a cluster), to be killed and started again. */
  readonly servers: RestartableServer[];
  stop(): Promise<void>;
}

/** A server of this run's own that a fault may kill: started again on its port and data. */
export interface RestartableServer {
  readonly name: string;
  readonly kind: 'kafka' | 'mongo';
  /** The current process (a new one after each restart). */
  readonly pid: number;
  /** SIGKILL, as a crash; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it serves. */
  restart(): Promise<void>;
}

export interface BenchInfraOptions {
  readonly secure?: boolean;
  /** Servers of this run's own even when KAFKA_BROKERS / MONGO_URL name others. */
  readonly own?: boolean;
  /** More than 1: a KRaft cluster of this many brokers (see startKafkaCluster). */
  readonly kafkaNodes?: number;
  /** Data under .runtime/<profile>/ and pid/log names `<server>-<profile>` (default bench). */
  readonly profile?: string;
  /** FerretDB's backend (default sqlite); postgresql starts a PostgreSQL of this run's own. */
  readonly dbBackend?: DbBackend;
}

export const BENCH_DIR = path.join(RUNTIME_DIR, 'bench');

/** What starting a server needs: where its data goes and how its pid file is named. */
interface Place {
  readonly dir: string;
  readonly suffix: string;
  readonly started: ManagedProcess[];
  readonly servers: RestartableServer[];
}

export async function startBenchInfra(
  log: (line: string) => void,
  options: BenchInfraOptions = {},
): Promise<BenchInfra> {
  const started: ManagedProcess[] = [];
  const servers: RestartableServer[] = [];
  const profile = options.profile ?? 'bench';
  const place: Place = {
    dir: path.join(RUNTIME_DIR, profile),
    suffix: `-${profile}`,
    started,
    servers,
  };
  const own = options.own ?? false;
  const dbBackend = options.dbBackend ?? 'sqlite';
  // All at once: a cluster node stopped after the others has lost its quorum and would wait
  // out its whole controlled shutdown.
  const stop = async (): Promise<void> => {
    await Promise.all(started.splice(0).map((proc) => proc.stop().catch(() => undefined)));
  };
  try {
    const [kafka, mongo] = await Promise.all([
      options.secure
        ? secureKafkaServer(log, place)
        : (options.kafkaNodes ?? 1) > 1
          ? kafkaCluster(log, place, options.kafkaNodes ?? 1)
          : kafkaServer(log, place, own),
      mongoServer(log, place, own, dbBackend),
    ]);
    // A secure broker got its topics (and ACLs) as admin when it started.
    if (!kafka.security) await ensureTopics(kafka.brokers);
    return {
      kafkaBrokers: kafka.brokers,
      ...(kafka.security
        ? {
            kafkaSecurity: kafka.security,
            kafkaClientCredentials: kafka.security.credentials.admin,
          }
        : {}),
      mongoUrl: mongo.url,
      ...(mongo.profileUrl ? { databaseProfileUrl: mongo.profileUrl } : {}),
      kafkaSource: kafka.source,
      mongoSource: mongo.source,
      dbBackend,
      processes: started.map((proc) => ({
        name: proc.name.replace(place.suffix, ''),
        pid: proc.pid,
        // PostgreSQL serves each connection from a child of its postmaster.
        children: proc.name === `postgres${place.suffix}`,
      })),
      servers,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface BenchKafka {
  brokers: string[];
  source: 'own' | 'external';
  security?: Pick<SecureKafka, 'credentials' | 'passwordFiles'>;
}

/**
 * Keeps `proc` in `started` and adds a handle that kills it and starts it again with `start`,
 * the new process taking the old one's place (so stop() stops whichever is current).
 */
function restartable<T extends ManagedProcess>(
  kind: RestartableServer['kind'],
  first: T,
  start: () => Promise<T>,
  place: Place,
): void {
  let current: T = first;
  place.started.push(first);
  place.servers.push({
    name: first.name,
    kind,
    get pid() {
      return current.pid;
    },
    async kill() {
      try {
        process.kill(current.pid, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
      await current.exited;
    },
    async restart() {
      const next = await start();
      const at = place.started.indexOf(current);
      if (at === -1) place.started.push(next);
      else place.started[at] = next;
      current = next;
    },
  });
}

async function kafkaServer(
  log: (line: string) => void,
  place: Place,
  own: boolean,
): Promise<BenchKafka> {
  const fromEnv = own ? undefined : process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) {
    const brokers = fromEnv.split(',').map((b) => b.trim());
    await waitUntil(() => isKafkaReady(brokers), {
      what: `Kafka at KAFKA_BROKERS=${fromEnv}`,
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    log(`kafka: using KAFKA_BROKERS=${fromEnv}`);
    return { brokers, source: 'external' };
  }
  const t0 = Date.now();
  await provisionKafka();
  const dataDir = path.join(place.dir, 'kafka');
  fs.rmSync(dataDir, { recursive: true, force: true });
  const settings = {
    dataDir,
    name: `kafka${place.suffix}`,
    port: await freePort(),
    controllerPort: await freePort(),
  };
  const server = await startKafka(settings);
  restartable('kafka', server, () => startKafka(settings), place);
  log(`kafka: started at ${server.brokers[0]} (pid ${server.pid}) in ${Date.now() - t0} ms`);
  return { brokers: server.brokers, source: 'own' };
}

/** Ports base … base + count − 1, all free a moment ago (a cluster's nodes take consecutive ones). */
async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const base = await freePort();
    if (base + count > 65_535) continue;
    const free = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        ensurePortFree(base + i, 'a Kafka node').then(
          () => true,
          () => false,
        ),
      ),
    );
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found on 127.0.0.1`);
}

/**
 * A KRaft cluster of combined nodes (startKafkaCluster) on free ports; each node can be killed
 * and started again alone, and is back once the cluster counts every broker again.
 */
async function kafkaCluster(
  log: (line: string) => void,
  place: Place,
  size: number,
): Promise<BenchKafka> {
  const t0 = Date.now();
  await provisionKafka();
  const dataDir = path.join(place.dir, 'kafka');
  fs.rmSync(dataDir, { recursive: true, force: true });
  const basePort = await freePortRun(2 * size);
  const name = `kafka${place.suffix}`;
  const cluster = await startKafkaCluster({ size, dataDir, basePort, name });
  const voters = cluster.nodes
    .map((_, i) => `${i + 1}@127.0.0.1:${basePort + 2 * i + 1}`)
    .join(',');
  cluster.nodes.forEach((node, i) => {
    const nodeId = i + 1;
    const start = async () => {
      const server = await startKafka({
        dataDir: path.join(dataDir, `node-${nodeId}`),
        name: `${name}-${nodeId}`,
        port: basePort + 2 * i,
        controllerPort: basePort + 2 * i + 1,
        cluster: { nodeId, voters, size },
      });
      await waitUntil(async () => (await clusterSize(cluster.brokers)) === size, {
        what: `${name}-${nodeId} to rejoin the cluster`,
        timeoutMs: 120_000,
        intervalMs: 500,
      });
      return server;
    };
    restartable('kafka', node, start, place);
  });
  log(
    `kafka: a cluster of ${size} at ${cluster.brokers.join(',')} (replication factor ${size}) in ${Date.now() - t0} ms`,
  );
  return { brokers: cluster.brokers, source: 'own' };
}

async function secureKafkaServer(log: (line: string) => void, place: Place): Promise<BenchKafka> {
  if (process.env.KAFKA_BROKERS?.trim()) {
    throw new Error(
      '--secure starts a broker of its own with users of its own: unset KAFKA_BROKERS',
    );
  }
  const t0 = Date.now();
  await provisionKafka();
  const server = await startSecureKafka({
    dataDir: path.join(place.dir, 'kafka'),
    secretsDir: path.join(place.dir, 'secrets'),
    name: `kafka${place.suffix}`,
    port: await freePort(),
    controllerPort: await freePort(),
  });
  place.started.push(server);
  log(
    `kafka: started with SASL/SCRAM-SHA-512 and ACLs at ${server.brokers[0]} (pid ${server.pid}) in ${Date.now() - t0} ms`,
  );
  return {
    brokers: server.brokers,
    source: 'own',
    security: { credentials: server.credentials, passwordFiles: server.passwordFiles },
  };
}

async function mongoServer(
  log: (line: string) => void,
  place: Place,
  own: boolean,
  dbBackend: DbBackend,
): Promise<{ url: string; source: 'own' | 'external'; profileUrl?: string }> {
  const fromEnv = own ? undefined : process.env.MONGO_URL?.trim();
  if (fromEnv) {
    await waitUntil(() => isMongoReady(fromEnv), {
      what: 'MongoDB at MONGO_URL',
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    log('mongodb: using MONGO_URL');
    return { url: fromEnv, source: 'external' };
  }
  const t0 = Date.now();
  await provisionFerretDb();
  const dataDir = path.join(place.dir, dbBackend === 'sqlite' ? 'ferretdb' : 'postgresql');
  fs.rmSync(dataDir, { recursive: true, force: true });
  let postgresqlUrl: string | undefined;
  if (dbBackend === 'postgresql') {
    const postgres = await startPostgres({
      dataDir,
      name: `postgres${place.suffix}`,
      port: await freePort(),
      log,
    });
    place.started.push(postgres);
    postgresqlUrl = postgres.url;
    log(`postgresql: started at ${postgres.url} (pid ${postgres.pid})`);
  }
  const debugAddress = `127.0.0.1:${await freePort()}`;
  const settings = {
    dataDir,
    postgresqlUrl,
    name: `ferretdb${place.suffix}`,
    port: await freePort(),
    args: ['-debug-addr', debugAddress],
  };
  const server = await startFerretDb(settings);
  restartable('mongo', server, () => startFerretDb(settings), place);
  log(
    `ferretdb (${dbBackend}): started at ${server.mongoUrl} (pid ${server.pid}) in ${Date.now() - t0} ms`,
  );
  return { url: server.mongoUrl, source: 'own', profileUrl: `http://${debugAddress}` };
}
