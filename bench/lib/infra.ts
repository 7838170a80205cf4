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
  ensureTopics,
  isKafkaReady,
  type KafkaCredentials,
  provisionKafka,
  startKafka,
} from '../../tools/runtime/kafka';
import { RUNTIME_DIR } from '../../tools/runtime/paths';
import { startPostgres } from '../../tools/runtime/postgres';
import type { ManagedProcess } from '../../tools/runtime/procs';
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
  /** The servers this run started (for CPU accounting). */
  readonly processes: NamedPid[];
  /**
   * Set with `--secure`: the broker takes SASL/SCRAM-SHA-512 and enforces the ACL table; each
   * app connects as its own user, the bench's own clients (the floor) as `admin`.
   */
  readonly kafkaSecurity?: Pick<SecureKafka, 'credentials' | 'passwordFiles'>;
  /** What the bench's own Kafka clients present (`admin` on a secure broker). */
  readonly kafkaClientCredentials?: KafkaCredentials;
  stop(): Promise<void>;
}

export const BENCH_DIR = path.join(RUNTIME_DIR, 'bench');

export async function startBenchInfra(
  log: (line: string) => void,
  options: { secure?: boolean; dbBackend?: DbBackend } = {},
): Promise<BenchInfra> {
  const dbBackend = options.dbBackend ?? 'sqlite';
  const started: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const proc of started.splice(0).reverse()) await proc.stop().catch(() => undefined);
  };
  try {
    const [kafka, mongo] = await Promise.all([
      options.secure ? secureKafkaServer(log, started) : kafkaServer(log, started),
      mongoServer(log, started, dbBackend),
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
      kafkaSource: kafka.source,
      mongoSource: mongo.source,
      dbBackend,
      processes: started.map((proc) => ({
        name: proc.name.replace(/-bench$/, ''),
        pid: proc.pid,
        // PostgreSQL serves each connection from a child of its postmaster.
        children: proc.name === 'postgres-bench',
      })),
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

async function kafkaServer(
  log: (line: string) => void,
  started: ManagedProcess[],
): Promise<BenchKafka> {
  const fromEnv = process.env.KAFKA_BROKERS?.trim();
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
  const dataDir = path.join(BENCH_DIR, 'kafka');
  fs.rmSync(dataDir, { recursive: true, force: true });
  const server = await startKafka({
    dataDir,
    name: 'kafka-bench',
    port: await freePort(),
    controllerPort: await freePort(),
  });
  started.push(server);
  log(`kafka: started at ${server.brokers[0]} (pid ${server.pid}) in ${Date.now() - t0} ms`);
  return { brokers: server.brokers, source: 'own' };
}

async function secureKafkaServer(
  log: (line: string) => void,
  started: ManagedProcess[],
): Promise<BenchKafka> {
  if (process.env.KAFKA_BROKERS?.trim()) {
    throw new Error(
      '--secure starts a broker of its own with users of its own: unset KAFKA_BROKERS',
    );
  }
  const t0 = Date.now();
  await provisionKafka();
  const server = await startSecureKafka({
    dataDir: path.join(BENCH_DIR, 'kafka'),
    secretsDir: path.join(BENCH_DIR, 'secrets'),
    name: 'kafka-bench',
    port: await freePort(),
    controllerPort: await freePort(),
  });
  started.push(server);
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
  started: ManagedProcess[],
  dbBackend: DbBackend,
): Promise<{ url: string; source: 'own' | 'external' }> {
  const fromEnv = process.env.MONGO_URL?.trim();
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
  const dataDir = path.join(BENCH_DIR, dbBackend === 'sqlite' ? 'ferretdb' : 'postgresql');
  fs.rmSync(dataDir, { recursive: true, force: true });
  let postgresqlUrl: string | undefined;
  if (dbBackend === 'postgresql') {
    const postgres = await startPostgres({
      dataDir,
      name: 'postgres-bench',
      port: await freePort(),
      log,
    });
    started.push(postgres);
    postgresqlUrl = postgres.url;
    log(`postgresql: started at ${postgres.url} (pid ${postgres.pid})`);
  }
  const server = await startFerretDb({
    dataDir,
    postgresqlUrl,
    name: 'ferretdb-bench',
    port: await freePort(),
  });
  started.push(server);
  log(
    `ferretdb (${dbBackend}): started at ${server.mongoUrl} (pid ${server.pid}) in ${Date.now() - t0} ms`,
  );
  return { url: server.mongoUrl, source: 'own' };
}
