import fs from 'node:fs';
import path from 'node:path';

import { Admin, Kafka, logLevel } from 'kafkajs';

// The barrel by relative path, not '@storefront/events': Jest requires global setup outside
// its module registry, where the tsconfig path aliases (moduleNameMapper) do not apply.
import { TOPIC_SPECS, type TopicSpec } from '../../libs/events/src';
// The file, not the barrel: Jest's global setup runs this without the path aliases or Nest.
import { ensureTopics as createTopics } from '../../libs/messaging/src/kafka/topics';

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

const POM = path.join(INFRA_DIR, 'kafka', 'pom.xml');
const KAFKA_CACHE = path.join(CACHE_DIR, 'kafka');
export const KAFKA_LIB_DIR = path.join(KAFKA_CACHE, 'lib');
const MARKER = path.join(KAFKA_CACHE, 'provisioned.json');

/** Fixed so a data directory formatted by one run is accepted by the next. */
const CLUSTER_ID = 'pzH3fLkA6ItDh71sMkniZA';

export const JAVA_HINT = 'install OpenJDK 17+ or set KAFKA_BROKERS to an existing cluster';
export const MVN_HINT = 'install Maven 3.8+ or set KAFKA_BROKERS to an existing cluster';

export interface ProvisionResult {
  readonly libDir: string;
  /** False when Maven ran in this call. */
  readonly cached: boolean;
}

/**
 * Copies the broker's jars (resolved from infra/kafka/pom.xml) into .cache/kafka/lib.
 * Maven is skipped while the marker records the same POM hash and every jar it listed is there.
 */
export async function provisionKafka(): Promise<ProvisionResult> {
  const inputsSha256 = hashFiles([POM]);
  if (isCached(MARKER, inputsSha256)) return { libDir: KAFKA_LIB_DIR, cached: true };

  requireKafkaTools({ provisioning: true });
  fs.rmSync(MARKER, { force: true });
  // A stale jar of another Kafka version on the classpath would break the broker subtly.
  fs.rmSync(KAFKA_LIB_DIR, { recursive: true, force: true });
  fs.mkdirSync(KAFKA_LIB_DIR, { recursive: true });

  await runCommand('resolving the Kafka jars (infra/kafka/pom.xml)', 'mvn', [
    '-B',
    '-q',
    '-f',
    POM,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${KAFKA_LIB_DIR}`,
    '-DincludeScope=runtime',
  ]);

  const jars = fs.readdirSync(KAFKA_LIB_DIR).filter((f) => f.endsWith('.jar'));
  if (!jars.some((j) => j.startsWith('kafka_2.13-')))
    throw new Error(`mvn ran but ${KAFKA_LIB_DIR} holds no kafka_2.13 jar`);
  writeMarker(MARKER, { inputsSha256, outputs: jars.map((j) => path.join('lib', j)) });
  return { libDir: KAFKA_LIB_DIR, cached: false };
}

export function isKafkaProvisioned(): boolean {
  return isCached(MARKER, hashFiles([POM]));
}

/** Java runs the broker; Maven is only needed while the jars are not provisioned yet. */
export function requireKafkaTools(options: { provisioning: boolean }): void {
  requireCommand('java', JAVA_HINT);
  if (options.provisioning) requireCommand('mvn', MVN_HINT);
}

export interface StartKafkaOptions {
  readonly dataDir: string;
  readonly port?: number;
  readonly controllerPort?: number;
  /** Pid and log file name under .runtime/. */
  readonly name?: string;
  readonly readyTimeoutMs?: number;
  readonly detached?: boolean;
}

export interface KafkaServer extends ManagedProcess {
  readonly brokers: string[];
}

/**
 * Starts one combined KRaft broker+controller on 127.0.0.1 and resolves once a client can
 * describe the cluster (an open port alone is not enough: the broker accepts connections
 * before it has a controller and metadata). Expects provisionKafka() to have run.
 */
export async function startKafka(options: StartKafkaOptions): Promise<KafkaServer> {
  const {
    dataDir,
    port = 9092,
    controllerPort = 9093,
    name = 'kafka',
    readyTimeoutMs = 90_000,
  } = options;
  requireCommand('java', JAVA_HINT);
  const absData = path.resolve(dataDir);
  fs.mkdirSync(absData, { recursive: true });
  const propsFile = path.join(absData, 'server.properties');
  fs.writeFileSync(propsFile, serverProperties(path.join(absData, 'log'), port, controllerPort));

  const classpath = `${KAFKA_LIB_DIR}/*`;
  await runCommand(`formatting Kafka storage in ${absData}`, 'java', [
    '-cp',
    classpath,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    CLUSTER_ID,
    '-c',
    propsFile,
    '--ignore-formatted',
  ]);

  const logFile = logFileFor(name);
  const proc = await spawnManaged(
    name,
    'java',
    [...JVM_OPTS, '-cp', classpath, 'kafka.Kafka', propsFile],
    { logFile, detached: options.detached },
  );
  const brokers = [`127.0.0.1:${port}`];

  await waitForReady(proc, () => isKafkaReady(brokers), {
    what: `Kafka at ${brokers[0]} to be ready`,
    timeoutMs: readyTimeoutMs,
    intervalMs: 250,
  });
  return Object.assign(proc, { brokers });
}

/** True when a client can reach the cluster and it reports at least one broker. */
export async function isKafkaReady(brokers: readonly string[]): Promise<boolean> {
  const admin = quietAdmin(brokers, {
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retries: 0,
  });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Creates the contract topics on `brokers` (see libs/messaging's ensureTopics), idempotently. */
export async function ensureTopics(
  brokers: readonly string[],
  specs: readonly TopicSpec[] = TOPIC_SPECS,
): Promise<void> {
  const admin = quietAdmin(brokers, {
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retries: 5,
  });
  await admin.connect();
  try {
    const differences = await createTopics(admin, specs);
    if (differences.length > 0) throw new Error(differences.join('; '));
  } finally {
    await admin.disconnect();
  }
}

// Small heap: the broker shares 2 cores and the tests with Node and FerretDB.
const JVM_OPTS = [
  '-Xms256m',
  '-Xmx768m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
  '-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS',
];

function serverProperties(logDir: string, port: number, controllerPort: number): string {
  const props: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': logDir,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    // The defaults (3 replicas) would leave a single broker without a group coordinator.
    'offsets.topic.replication.factor': 1,
    // Fewer __consumer_offsets partitions make the first group join noticeably faster.
    'offsets.topic.num.partitions': 3,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 3,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // Tests join groups constantly; the 3 s default delay would be paid on every join.
    'group.initial.rebalance.delay.ms': 0,
    // Topics come from the contract (ensureTopics); auto-creation races with consumers.
    'auto.create.topics.enable': 'false',
  };
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

function quietAdmin(
  brokers: readonly string[],
  opts: { connectionTimeout: number; requestTimeout: number; retries: number },
): Admin {
  const kafka = new Kafka({
    clientId: 'storefront-runtime',
    brokers: [...brokers],
    connectionTimeout: opts.connectionTimeout,
    requestTimeout: opts.requestTimeout,
    retry: { retries: opts.retries, initialRetryTime: 200 },
    logLevel: logLevel.NOTHING,
  });
  return kafka.admin();
}
