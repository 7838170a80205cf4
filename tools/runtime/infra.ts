import fs from 'node:fs';
import path from 'node:path';

import {
  GO_HINT,
  isFerretDbProvisioned,
  isMongoReady,
  provisionFerretDb,
  startFerretDb,
} from './ferretdb';
import {
  ensureTopics,
  isKafkaProvisioned,
  isKafkaReady,
  provisionKafka,
  requireKafkaTools,
  startKafka,
  startKafkaCluster,
} from './kafka';
import { type DbBackend, dbBackendFromEnv } from './db-backend';
import { type Profile, ROOT, profileDataDir, profileSecretsDir } from './paths';
import { startPostgres } from './postgres';
import {
  type ManagedProcess,
  PrerequisiteError,
  ensurePortFree,
  freePort,
  requireCommand,
  runningFromPidFile,
  stopFromPidFile,
} from './procs';
import { type SecureKafka, startSecureKafka } from './secure-kafka';
import { waitUntil } from './wait';

export const DEFAULT_KAFKA_PORT = 9092;
export const DEFAULT_KAFKA_CONTROLLER_PORT = 9093;
export const DEFAULT_MONGO_PORT = 27017;
/**
 * The `--secure` broker has ports of its own, so an open broker (a colleague's test run, a
 * plain `npm start`) and a secure one never meet: neither run can reuse the other's broker.
 */
export const SECURE_KAFKA_PORT = 9192;
export const SECURE_KAFKA_CONTROLLER_PORT = 9193;

/**
 * A cluster (`--kafka-brokers 3`) has ports of its own too: node i on 9292 + 2(i−1), its
 * controller on the next port, so it is never mistaken for a single broker on 9092.
 */
export const CLUSTER_KAFKA_BASE_PORT = 9292;

/** How long a server named by KAFKA_BROKERS / MONGO_URL may take to answer before we give up. */
const EXTERNAL_READY_TIMEOUT_MS = 30_000;

export interface EnsureInfraOptions {
  readonly profile: Profile;
  readonly log?: (line: string) => void;
  /** Start servers in their own process group so they outlive this process. */
  readonly detached?: boolean;
  /**
   * A broker of this run's own with SASL/SCRAM and ACLs (see secure-kafka.ts) on
   * SECURE_KAFKA_PORT, never an existing one: its users and passwords are minted per run.
   */
  readonly secure?: boolean;
  /** More than 1: a KRaft cluster of this many brokers of this run's own (see startKafkaCluster). */
  readonly kafkaNodes?: number;
  /** Where a FerretDB started here keeps its data (default: STOREFRONT_DB_BACKEND, else SQLite). */
  readonly dbBackend?: DbBackend;
}

/** What a secure run's clients need: each user's credentials and password file. */
export type KafkaSecurity = Pick<SecureKafka, 'credentials' | 'passwordFiles'>;

export interface Infra {
  readonly kafkaBrokers: string[];
  /** Set for a secure run. */
  readonly kafkaSecurity?: KafkaSecurity;
  readonly mongoUrl: string;
  /** Only the servers this call started; reused or external ones are not listed. */
  readonly started: ManagedProcess[];
  /** Stops what this call started, in reverse order; leaves reused servers alone. */
  stop(): Promise<void>;
}

type Log = (line: string) => void;

/** Either a server that is already there, or the steps to provision and start one. */
type Plan<T> = { readonly ready: T } | { readonly start: () => Promise<T> };

/**
 * Makes a Kafka broker and a MongoDB-protocol server available, in this order of preference:
 * the servers named by KAFKA_BROKERS / MONGO_URL; servers already ready on the default ports
 * (e.g. a developer's `npm start`); otherwise provisioned and started here, with data under
 * .runtime/<profile>/. Ends by creating the contract's topics.
 */
export async function ensureInfra(options: EnsureInfraOptions): Promise<Infra> {
  const { profile, detached = false, secure = false, kafkaNodes = 1 } = options;
  const dbBackend = options.dbBackend ?? dbBackendFromEnv();
  if (secure && kafkaNodes > 1) {
    throw new PrerequisiteError('--secure runs one broker; a secured cluster is not supported yet');
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`[infra] ${line}\n`));
  const started: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const proc of [...started].reverse()) {
      await proc.stop().catch((err: unknown) => errors.push(err));
    }
    started.length = 0;
    if (errors.length > 0) throw errors[0];
  };

  // Everything that can fail cheaply (missing tools, busy ports, unreachable external
  // servers) is checked for both servers before either is started.
  const [kafkaPlan, mongoPlan] = await Promise.all([
    secure
      ? planSecureKafka(profile, detached, log, started)
      : kafkaNodes > 1
        ? planKafkaCluster(profile, kafkaNodes, detached, log, started)
        : planKafka(profile, detached, log, started).then(openKafka),
    planMongo(profile, dbBackend, detached, log, started),
  ]);

  // Both come up concurrently (Maven downloads overlap the Go build on a cold machine); if
  // either fails, whatever the other started is stopped before rethrowing.
  const [kafka, mongo] = await Promise.allSettled([execute(kafkaPlan), execute(mongoPlan)]);
  try {
    if (kafka.status === 'rejected') throw kafka.reason;
    if (mongo.status === 'rejected') throw mongo.reason;
    // A secure broker got its topics from startSecureKafka, created as admin.
    if (!kafka.value.security) await ensureTopics(kafka.value.brokers);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return {
    kafkaBrokers: kafka.value.brokers,
    ...(kafka.value.security ? { kafkaSecurity: kafka.value.security } : {}),
    mongoUrl: mongo.value,
    started,
    stop,
  };
}

interface KafkaEndpoint {
  readonly brokers: string[];
  readonly security?: KafkaSecurity;
}

function openKafka(plan: Plan<string[]>): Plan<KafkaEndpoint> {
  return 'ready' in plan
    ? { ready: { brokers: plan.ready } }
    : { start: async () => ({ brokers: await plan.start() }) };
}

/** A run that starts Kafka of its own cannot honour KAFKA_BROKERS: it says so and stops. */
function refuseExternalKafka(why: string): void {
  if (process.env.KAFKA_BROKERS?.trim()) {
    throw new PrerequisiteError(`${why}: unset KAFKA_BROKERS`);
  }
}

async function planSecureKafka(
  profile: Profile,
  detached: boolean,
  log: Log,
  started: ManagedProcess[],
): Promise<Plan<KafkaEndpoint>> {
  refuseExternalKafka('a secure run starts a broker of its own with users minted for the run');
  const name = `kafka-${profile}`;
  const running = runningFromPidFile(name);
  if (running !== undefined) {
    throw new PrerequisiteError(
      `a secure broker (${name}, pid ${running}) is already running, and its passwords belong to that run: stop it first (npm run runtime -- stop)`,
    );
  }
  requireKafkaTools({ provisioning: !isKafkaProvisioned() });
  await ensurePortFree(SECURE_KAFKA_PORT, 'the secure Kafka');
  await ensurePortFree(SECURE_KAFKA_CONTROLLER_PORT, 'the secure Kafka controller');

  return {
    start: async () => {
      await provisionKafkaLogged(log);
      const dataDir = profileDataDir(profile, 'kafka');
      const secretsDir = profileSecretsDir(profile);
      const t1 = Date.now();
      const server = await startSecureKafka({
        dataDir,
        secretsDir,
        name,
        port: SECURE_KAFKA_PORT,
        controllerPort: SECURE_KAFKA_CONTROLLER_PORT,
        detached,
      });
      started.push(server);
      log(
        `kafka: started with SASL/SCRAM-SHA-512 and ACLs at ${server.brokers[0]} (pid ${server.pid}) in ${seconds(t1)}; passwords in ${path.relative(ROOT, secretsDir)}/`,
      );
      return {
        brokers: server.brokers,
        security: { credentials: server.credentials, passwordFiles: server.passwordFiles },
      };
    },
  };
}

async function planKafkaCluster(
  profile: Profile,
  size: number,
  detached: boolean,
  log: Log,
  started: ManagedProcess[],
): Promise<Plan<KafkaEndpoint>> {
  refuseExternalKafka(`--kafka-brokers ${size} starts a cluster of its own`);
  const name = `kafka-${profile}`;
  requireKafkaTools({ provisioning: !isKafkaProvisioned() });
  for (let id = 1; id <= size; id += 1) {
    await stopLeftover(`${name}-${id}`, log);
    const port = CLUSTER_KAFKA_BASE_PORT + 2 * (id - 1);
    await ensurePortFree(port, `Kafka node ${id}`);
    await ensurePortFree(port + 1, `the Kafka controller of node ${id}`);
  }
  return {
    start: async () => {
      await provisionKafkaLogged(log);
      const dataDir = path.join(freshDataDir(profile, 'kafka'), `cluster-${size}`);
      const t1 = Date.now();
      const cluster = await startKafkaCluster({
        size,
        dataDir,
        basePort: CLUSTER_KAFKA_BASE_PORT,
        name,
        detached,
      });
      // Stopped together: a node stopped after the others has lost its quorum and would wait
      // out its whole controlled shutdown.
      const [first] = cluster.nodes;
      started.push({
        name,
        pid: first.pid,
        logFile: first.logFile,
        exited: Promise.all(cluster.nodes.map((node) => node.exited)).then(() => null),
        exitSignal: null,
        stop: async (timeoutMs) => {
          await Promise.all(cluster.nodes.map((node) => node.stop(timeoutMs)));
        },
      });
      log(
        `kafka: a cluster of ${size} (replication factor ${size}, min.insync.replicas ${Math.max(1, size - 1)}) at ${cluster.brokers.join(',')} in ${seconds(t1)}, data in ${path.relative(ROOT, dataDir)}`,
      );
      return { brokers: cluster.brokers };
    },
  };
}

async function provisionKafkaLogged(log: Log): Promise<void> {
  const t0 = Date.now();
  const provisioned = await provisionKafka();
  if (!provisioned.cached) log(`kafka: resolved the broker jars with Maven in ${seconds(t0)}`);
}

function execute<T>(plan: Plan<T>): Promise<T> {
  return 'ready' in plan ? Promise.resolve(plan.ready) : plan.start();
}

async function planKafka(
  profile: Profile,
  detached: boolean,
  log: Log,
  started: ManagedProcess[],
): Promise<Plan<string[]>> {
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
  if (fromEnv) {
    const brokers = fromEnv
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    await waitUntil(() => isKafkaReady(brokers), {
      what: `Kafka at KAFKA_BROKERS=${fromEnv} to answer`,
      timeoutMs: EXTERNAL_READY_TIMEOUT_MS,
      intervalMs: 500,
    });
    log(`kafka: using KAFKA_BROKERS=${fromEnv}`);
    return { ready: brokers };
  }

  const local = [`127.0.0.1:${DEFAULT_KAFKA_PORT}`];
  if (await isKafkaReady(local)) {
    log(`kafka: reusing the broker already running at ${local[0]}`);
    return { ready: local };
  }

  const name = `kafka-${profile}`;
  if (await adoptStarting(name, () => isKafkaReady(local), KAFKA_START_GRACE_MS, log)) {
    return { ready: local };
  }
  requireKafkaTools({ provisioning: !isKafkaProvisioned() });
  await stopLeftover(name, log);
  await ensurePortFree(DEFAULT_KAFKA_PORT, 'Kafka');
  await ensurePortFree(DEFAULT_KAFKA_CONTROLLER_PORT, 'the Kafka controller');

  return {
    start: async () => {
      await provisionKafkaLogged(log);

      const dataDir = freshDataDir(profile, 'kafka');
      const t1 = Date.now();
      const server = await startKafka({
        dataDir,
        name,
        port: DEFAULT_KAFKA_PORT,
        controllerPort: DEFAULT_KAFKA_CONTROLLER_PORT,
        detached,
      });
      started.push(server);
      log(
        `kafka: started at ${server.brokers[0]} (pid ${server.pid}) in ${seconds(t1)}, data in ${path.relative(ROOT, dataDir)}`,
      );
      return server.brokers;
    },
  };
}

async function planMongo(
  profile: Profile,
  dbBackend: DbBackend,
  detached: boolean,
  log: Log,
  started: ManagedProcess[],
): Promise<Plan<string>> {
  const fromEnv = process.env.MONGO_URL?.trim();
  if (fromEnv) {
    await waitUntil(() => isMongoReady(fromEnv), {
      what: `MongoDB at MONGO_URL to answer ping`,
      timeoutMs: EXTERNAL_READY_TIMEOUT_MS,
      intervalMs: 500,
    });
    log(`mongodb: using MONGO_URL`);
    return { ready: fromEnv };
  }

  const local = `mongodb://127.0.0.1:${DEFAULT_MONGO_PORT}/`;
  if (await isMongoReady(local)) {
    log(
      `mongodb: reusing the server already running at ${local} (on whichever backend it was started with)`,
    );
    return { ready: local };
  }

  const name = `ferretdb-${profile}`;
  if (await adoptStarting(name, () => isMongoReady(local), FERRETDB_START_GRACE_MS, log)) {
    return { ready: local };
  }
  if (!isFerretDbProvisioned()) requireCommand('go', GO_HINT);
  await stopLeftover(name, log);
  const postgresName = `postgres-${profile}`;
  await stopLeftover(postgresName, log);
  await ensurePortFree(DEFAULT_MONGO_PORT, 'FerretDB');

  return {
    start: async () => {
      const t0 = Date.now();
      const provisioned = await provisionFerretDb();
      if (!provisioned.cached) log(`ferretdb: built with Go in ${seconds(t0)}`);

      const dataDir = freshDataDir(profile, dbBackend === 'sqlite' ? 'ferretdb' : 'postgresql');
      const t1 = Date.now();
      let postgresqlUrl: string | undefined;
      if (dbBackend === 'postgresql') {
        // Only FerretDB talks to it, so any free port will do.
        const postgres = await startPostgres({
          dataDir,
          port: await freePort(),
          name: postgresName,
          detached,
          log,
        });
        started.push(postgres);
        postgresqlUrl = postgres.url;
        log(`postgresql: started at ${postgres.url} (pid ${postgres.pid}) in ${seconds(t1)}`);
      }
      const server = await startFerretDb({
        dataDir,
        postgresqlUrl,
        name,
        port: DEFAULT_MONGO_PORT,
        detached,
      });
      started.push(server);
      log(
        `ferretdb (${dbBackend}): started at ${server.mongoUrl} (pid ${server.pid}) in ${seconds(t1)}, data in ${path.relative(ROOT, dataDir)}`,
      );
      return server.mongoUrl;
    },
  };
}

/** How long a server of ours that is alive but not answering yet may take before it counts as stuck. */
const KAFKA_START_GRACE_MS = 45_000;
const FERRETDB_START_GRACE_MS = 10_000;

/**
 * A server of ours that is alive but not answering may be another run's, still starting (two
 * test runs at once): give it the time a start takes and reuse it, rather than kill it.
 */
async function adoptStarting(
  name: string,
  isReady: () => Promise<boolean>,
  graceMs: number,
  log: Log,
): Promise<boolean> {
  const pid = runningFromPidFile(name);
  if (pid === undefined) return false;
  log(
    `${name}: pid ${pid} is alive but not answering yet; waiting up to ${graceMs / 1000} s for it`,
  );
  const ready = await waitUntil(
    async () => (await isReady()) || runningFromPidFile(name) === undefined,
    {
      what: `${name} to answer`,
      timeoutMs: graceMs,
      intervalMs: 500,
    },
  ).catch(() => false);
  if (ready && (await isReady())) {
    log(`${name}: pid ${pid} is ready; reusing it`);
    return true;
  }
  return false;
}

/** A server of ours from an earlier run that is alive but not serving would block the port. */
async function stopLeftover(name: string, log: Log): Promise<void> {
  const pid = runningFromPidFile(name);
  if (pid === undefined) return;
  log(`${name}: stopping pid ${pid} left by an earlier run (alive but not answering)`);
  await stopFromPidFile(name);
}

/** Test runs start from empty data, so offsets and documents of an earlier run cannot leak in. */
function freshDataDir(profile: Profile, server: 'kafka' | 'ferretdb' | 'postgresql'): string {
  const dir = profileDataDir(profile, server);
  if (profile === 'test') fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
