import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import {
  type Admin,
  type AclEntry,
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type SASLOptions,
} from 'kafkajs';

// The barrel by relative path, not '@storefront/events': Jest requires global setup outside
// its module registry, where the tsconfig path aliases (moduleNameMapper) do not apply.
import { type KafkaAcl, TOPIC_SPECS, type TopicSpec } from '../../libs/events/src';
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
import { waitUntil } from './wait';

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

/** A SASL user as a client presents it; the local broker's users are all SCRAM-SHA-512. */
export interface KafkaCredentials {
  readonly username: string;
  readonly password: string;
}

export interface StartKafkaOptions {
  readonly dataDir: string;
  /**
   * SASL_PLAINTEXT with SCRAM-SHA-512 on the client listener, the standard authorizer with
   * `allow.everyone.if.no.acl.found=false`, and these users (name → password) created when the
   * storage is formatted; `admin` must be among them and is the super user. Unset: PLAINTEXT
   * without authentication, as `npm start` runs it.
   */
  readonly scramUsers?: Readonly<Record<string, string>>;
  readonly port?: number;
  readonly controllerPort?: number;
  /** Pid and log file name under .runtime/. */
  readonly name?: string;
  readonly readyTimeoutMs?: number;
  readonly detached?: boolean;
  /** This node's place in a cluster (startKafkaCluster); unset: a cluster of one. */
  readonly cluster?: ClusterNode;
}

/** One combined broker+controller of a KRaft cluster on loopback. */
export interface ClusterNode {
  readonly nodeId: number;
  /** `controller.quorum.voters`: every node's `id@host:controllerPort`. */
  readonly voters: string;
  /** How many brokers: replication factor of every topic, min ISR one less (at least 1). */
  readonly size: number;
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
  const { proc, brokers, admin } = await formatAndSpawn(options);
  await waitForReady(proc, () => isKafkaReady(brokers, admin), {
    what: `Kafka at ${brokers[0]} to be ready`,
    timeoutMs: options.readyTimeoutMs ?? 90_000,
    intervalMs: 250,
  });
  return Object.assign(proc, { brokers });
}

/** Writes the node's properties, formats its storage and starts its JVM (not waiting on it). */
async function formatAndSpawn(
  options: StartKafkaOptions,
): Promise<{ proc: ManagedProcess; brokers: string[]; admin?: KafkaCredentials }> {
  const { dataDir, port = 9092, controllerPort = 9093, name = 'kafka' } = options;
  requireCommand('java', JAVA_HINT);
  const absData = path.resolve(dataDir);
  fs.mkdirSync(absData, { recursive: true });
  const propsFile = path.join(absData, 'server.properties');
  const users = options.scramUsers;
  const admin = users === undefined ? undefined : adminOf(users);
  const security = admin === undefined ? undefined : { admin, controllerPassword: randomSecret() };
  if (security) {
    // SCRAM users exist only from the format step on: a directory formatted by an earlier run
    // would keep that run's passwords.
    fs.rmSync(path.join(absData, 'log'), { recursive: true, force: true });
  }
  // The secure properties hold the admin's password: readable by the owner only.
  fs.writeFileSync(
    propsFile,
    serverProperties(path.join(absData, 'log'), port, controllerPort, security, options.cluster),
    { mode: 0o600 },
  );
  fs.chmodSync(propsFile, 0o600);

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
    // KRaft keeps SCRAM credentials in the metadata log; format writes the first ones.
    ...Object.entries(users ?? {}).flatMap(([name, password]) => [
      '--add-scram',
      `SCRAM-SHA-512=[name=${name},password=${password}]`,
    ]),
  ]);

  const logFile = logFileFor(name);
  const proc = await spawnManaged(
    name,
    'java',
    [...JVM_OPTS, '-cp', classpath, 'kafka.Kafka', propsFile],
    { logFile, detached: options.detached },
  );
  return { proc, brokers: [`127.0.0.1:${port}`], admin };
}

export interface KafkaCluster {
  readonly brokers: string[];
  readonly nodes: ManagedProcess[];
}

export interface StartKafkaClusterOptions {
  readonly size: number;
  /** Node i gets `<dataDir>/node-i`. */
  readonly dataDir: string;
  /** Node i listens on basePort + 2(i−1) and its controller on the port after. */
  readonly basePort: number;
  /** Node i's pid and log file are `<name>-i`. */
  readonly name: string;
  readonly readyTimeoutMs?: number;
  readonly detached?: boolean;
}

/**
 * A KRaft cluster of `size` combined broker+controller nodes on loopback, from the same jars:
 * every node votes in the controller quorum, so with three one can die and the other two keep
 * a quorum and the in-sync replicas (min.insync.replicas = size − 1). Resolves once a client
 * sees every broker. Expects provisionKafka() to have run.
 */
export async function startKafkaCluster(options: StartKafkaClusterOptions): Promise<KafkaCluster> {
  const { size, basePort } = options;
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  const portOf = (id: number): number => basePort + 2 * (id - 1);
  const voters = ids.map((id) => `${id}@127.0.0.1:${portOf(id) + 1}`).join(',');
  const nodes: ManagedProcess[] = [];
  try {
    // All at once: no node is ready before a quorum of controllers is up.
    const spawned = await Promise.all(
      ids.map((id) =>
        formatAndSpawn({
          dataDir: path.join(options.dataDir, `node-${id}`),
          port: portOf(id),
          controllerPort: portOf(id) + 1,
          name: `${options.name}-${id}`,
          detached: options.detached,
          cluster: { nodeId: id, voters, size },
        }),
      ),
    );
    nodes.push(...spawned.map((node) => node.proc));
    const brokers = spawned.map((node) => node.brokers[0]);
    let dead: string | undefined;
    for (const node of nodes) {
      void node.exited.then((code) => {
        dead ??= `${node.name} exited (${node.exitSignal ?? `code ${String(code)}`}) while the cluster formed (see ${node.logFile})`;
      });
    }
    await waitUntil(
      async () => {
        if (dead !== undefined) throw new Error(dead);
        return (await clusterSize(brokers)) === size;
      },
      {
        what: `a Kafka cluster of ${size} at ${brokers.join(',')}`,
        timeoutMs: options.readyTimeoutMs ?? 120_000,
        intervalMs: 500,
      },
    );
    return { brokers, nodes };
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop().catch(() => undefined)));
    throw error;
  }
}

/** How many brokers the cluster reports (0 when it cannot be reached or has no controller). */
export async function clusterSize(
  brokers: readonly string[],
  credentials?: KafkaCredentials,
): Promise<number> {
  const admin = quietAdmin(
    brokers,
    { connectionTimeout: 1_000, requestTimeout: 2_000, retries: 0 },
    credentials,
  );
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.controller === null ? 0 : cluster.brokers.length;
  } catch {
    return 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** True when a client can reach the cluster and it reports at least one broker. */
export async function isKafkaReady(
  brokers: readonly string[],
  credentials?: KafkaCredentials,
): Promise<boolean> {
  return (await clusterSize(brokers, credentials)) > 0;
}

/** Creates the contract topics on `brokers` (see libs/messaging's ensureTopics), idempotently. */
export async function ensureTopics(
  brokers: readonly string[],
  specs: readonly TopicSpec[] = TOPIC_SPECS,
  credentials?: KafkaCredentials,
): Promise<void> {
  const admin = quietAdmin(
    brokers,
    { connectionTimeout: 3_000, requestTimeout: 30_000, retries: 5 },
    credentials,
  );
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

/**
 * Creates the ACLs (as the super user): idempotent, the broker ignores a rule it already has.
 * The table is data (libs/events/src/acls.ts); this maps it onto kafkajs' enums.
 */
export async function createAcls(
  brokers: readonly string[],
  admin: KafkaCredentials,
  acls: readonly KafkaAcl[],
): Promise<void> {
  const client = quietAdmin(
    brokers,
    { connectionTimeout: 3_000, requestTimeout: 30_000, retries: 5 },
    admin,
  );
  const entries = acls.map((acl) => ({
    principal: acl.principal,
    host: '*',
    permissionType: AclPermissionTypes.ALLOW,
    operation: AclOperationTypes[acl.operation],
    resourceType: AclResourceTypes[acl.resourceType],
    resourceName: acl.resourceName,
    resourcePatternType: ResourcePatternTypes[acl.patternType],
  }));
  const key = (acl: AclEntry): string =>
    [
      acl.principal,
      acl.operation,
      acl.resourceType,
      acl.resourceName,
      acl.resourcePatternType,
    ].join(' ');
  await client.connect();
  try {
    await client.createAcls({ acl: entries });
    // The controller commits the rules before the broker's authorizer has applied them; a
    // client let in right away could still be refused. The broker answers DescribeAcls from
    // its own authorizer, so once it lists every rule, they are in force.
    const wanted = new Set(entries.map(key));
    await waitUntil(
      async () => {
        const { resources } = await client.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        });
        const present = new Set(
          resources.flatMap((resource) => resource.acls.map((acl) => key({ ...resource, ...acl }))),
        );
        return [...wanted].every((rule) => present.has(rule));
      },
      { what: 'the broker to apply its ACLs', timeoutMs: 30_000, intervalMs: 100 },
    );
  } finally {
    await client.disconnect();
  }
}

/** A random password: URL-safe characters only, so it needs no quoting in JAAS or --add-scram. */
export function randomSecret(): string {
  return randomBytes(24).toString('base64url');
}

function adminOf(users: Readonly<Record<string, string>>): KafkaCredentials {
  const password = users[KAFKA_ADMIN];
  if (password === undefined) throw new Error(`the SCRAM users must include ${KAFKA_ADMIN}`);
  return { username: KAFKA_ADMIN, password };
}

/** The super user of a secure broker (`super.users`). */
export const KAFKA_ADMIN = 'admin';

interface BrokerSecurity {
  readonly admin: KafkaCredentials;
  /** Static PLAIN password of the controller listener (SCRAM cannot serve a KRaft controller). */
  readonly controllerPassword: string;
}

/**
 * Secure: clients authenticate with SCRAM-SHA-512 on the client listener; the broker reaches
 * itself there as `admin` (inter-broker). The controller listener takes PLAIN with a single
 * static user, `admin` again, since KRaft cannot check SCRAM credentials before it has read
 * them from its own metadata log; left PLAINTEXT, the broker would register with the
 * controller as ANONYMOUS, which would then have to be a super user on that port.
 */
function securityProperties(
  port: number,
  controllerPort: number,
  security: BrokerSecurity,
): Record<string, string> {
  const { admin, controllerPassword } = security;
  return {
    listeners: `SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `SASL_PLAINTEXT://127.0.0.1:${port}`,
    'inter.broker.listener.name': 'SASL_PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin.username}" password="${admin.password}";`,
    'sasl.mechanism.controller.protocol': 'PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="${admin.username}" password="${controllerPassword}" user_${admin.username}="${controllerPassword}";`,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': `User:${admin.username}`,
    'allow.everyone.if.no.acl.found': 'false',
  };
}

function serverProperties(
  logDir: string,
  port: number,
  controllerPort: number,
  security?: BrokerSecurity,
  cluster: ClusterNode = { nodeId: 1, voters: `1@127.0.0.1:${controllerPort}`, size: 1 },
): string {
  // A cluster keeps every partition on every broker and acknowledges a write once all but
  // one hold it: one broker can be lost without losing an acknowledged record.
  const replicas = cluster.size;
  const minIsr = Math.max(1, cluster.size - 1);
  const props: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': cluster.nodeId,
    'controller.quorum.voters': cluster.voters,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    ...(security ? securityProperties(port, controllerPort, security) : {}),
    'log.dirs': logDir,
    'num.partitions': 1,
    'default.replication.factor': replicas,
    'min.insync.replicas': minIsr,
    // The defaults (3 replicas) would leave a single broker without a group coordinator.
    'offsets.topic.replication.factor': replicas,
    // Fewer __consumer_offsets partitions make the first group join noticeably faster.
    'offsets.topic.num.partitions': 3,
    'transaction.state.log.replication.factor': replicas,
    'transaction.state.log.min.isr': minIsr,
    'transaction.state.log.num.partitions': 3,
    'share.coordinator.state.topic.replication.factor': replicas,
    'share.coordinator.state.topic.min.isr': minIsr,
    // A node restarted after a crash cannot register again until the controller has fenced
    // its previous incarnation, one broker session later (DUPLICATE_BROKER_REGISTRATION until
    // then): 9 s by default, most of a killed broker's restart. In a cluster the same timeout
    // is how soon a dead broker's partitions get a new leader.
    'broker.session.timeout.ms': 4000,
    'broker.heartbeat.interval.ms': 1000,
    // Tests join groups constantly; the 3 s default delay would be paid on every join.
    'group.initial.rebalance.delay.ms': 0,
    // Topics come from the contract (ensureTopics); auto-creation races with consumers.
    'auto.create.topics.enable': 'false',
  };
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

/** kafkajs' SASL options for one of the broker's SCRAM-SHA-512 users. */
export function scramOptions(credentials: KafkaCredentials): SASLOptions {
  return { mechanism: 'scram-sha-512', ...credentials };
}

function quietAdmin(
  brokers: readonly string[],
  opts: { connectionTimeout: number; requestTimeout: number; retries: number },
  credentials?: KafkaCredentials,
): Admin {
  const kafka = new Kafka({
    clientId: 'storefront-runtime',
    brokers: [...brokers],
    connectionTimeout: opts.connectionTimeout,
    requestTimeout: opts.requestTimeout,
    retry: { retries: opts.retries, initialRetryTime: 200 },
    logLevel: logLevel.NOTHING,
    ...(credentials ? { sasl: scramOptions(credentials) } : {}),
  });
  return kafka.admin();
}
