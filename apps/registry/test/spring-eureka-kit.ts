/**
 * The reference Eureka implementations for the interoperability test: a Spring Cloud Netflix
 * Eureka client and Netflix's Eureka server, one jar built with Maven from ./spring-eureka.
 * The jar is cached in .cache/spring-eureka/ under a hash of the Maven project's files, so a
 * rerun with no change to them does not invoke Maven.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isCached, writeMarker } from '../../../tools/runtime/cache';
import { CACHE_DIR } from '../../../tools/runtime/paths';
import {
  logFileFor,
  type ManagedProcess,
  requireCommand,
  runCommand,
  spawnManaged,
  tailFile,
  waitForReady,
} from '../../../tools/runtime/procs';

const PROJECT_DIR = path.join(__dirname, 'spring-eureka');
const BUILD_CACHE = path.join(CACHE_DIR, 'spring-eureka');
const MARKER = path.join(BUILD_CACHE, 'provisioned.json');
const JAR_NAME = 'spring-eureka.jar';

function projectFiles(dir = PROJECT_DIR): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.name !== 'target')
    .flatMap((entry) => {
      const file = path.join(dir, entry.name);
      return entry.isDirectory() ? projectFiles(file) : [file];
    })
    .sort();
}

/** Hash of every file of the Maven project with its relative path (a move counts as a change). */
function projectHash(): string {
  const hash = crypto.createHash('sha256');
  for (const file of projectFiles()) {
    hash.update(path.relative(PROJECT_DIR, file)).update('\0').update(fs.readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

export interface SpringEurekaBuild {
  readonly jar: string;
  /** False when Maven ran in this call. */
  readonly cached: boolean;
}

/** Builds the jar unless the cache holds one built from the same project files. */
export async function buildSpringEureka(): Promise<SpringEurekaBuild> {
  requireCommand('java', 'install OpenJDK 17+');
  const jar = path.join(BUILD_CACHE, JAR_NAME);
  const inputsSha256 = projectHash();
  if (isCached(MARKER, inputsSha256)) return { jar, cached: true };

  requireCommand('mvn', 'install Maven 3.8+');
  fs.rmSync(MARKER, { force: true });
  const buildDir = path.join(BUILD_CACHE, 'target');
  await runCommand('building the Spring Eureka client and server (Maven)', 'mvn', [
    '-B',
    '-q',
    '-f',
    path.join(PROJECT_DIR, 'pom.xml'),
    `-Dbuild.dir=${buildDir}`,
    'package',
  ]);
  fs.copyFileSync(path.join(buildDir, JAR_NAME), jar);
  fs.rmSync(buildDir, { recursive: true, force: true });
  writeMarker(MARKER, { inputsSha256, outputs: [JAR_NAME] });
  return { jar, cached: false };
}

export interface SpringEurekaProcess extends ManagedProcess {
  readonly port: number;
  readonly url: string;
}

/**
 * Starts the jar in `client` or `server` mode on 127.0.0.1:`port` and resolves once Spring
 * answers on /actuator/health.
 */
export async function startSpringEureka(
  jar: string,
  mode: 'client' | 'server',
  port: number,
  properties: Record<string, string | number> = {},
): Promise<SpringEurekaProcess> {
  const name = `spring-eureka-${mode}-${port}`;
  const args = [
    '-XX:TieredStopAtLevel=1',
    '-Xss512k',
    '-XX:+UseSerialGC',
    '-jar',
    jar,
    mode,
    `--server.port=${port}`,
    ...Object.entries(properties).map(([key, value]) => `--${key}=${value}`),
  ];
  const proc = await spawnManaged(name, 'java', args, { logFile: logFileFor(name) });
  const url = `http://127.0.0.1:${port}`;
  await waitForReady(
    proc,
    async () => {
      const response = await fetch(`${url}/actuator/health`, {
        signal: AbortSignal.timeout(2000),
      }).catch(() => undefined);
      return response?.ok === true;
    },
    { what: `the Spring Eureka ${mode} on ${url}`, timeoutMs: 120_000, intervalMs: 500 },
  );
  return Object.assign(proc, { port, url });
}

export function logTail(proc: ManagedProcess): string {
  return tailFile(proc.logFile, 40);
}

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly requestBody: string;
  readonly responseBody: string;
}

export interface RecordingProxy {
  readonly url: string;
  readonly calls: RecordedCall[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy between a client and a registry that records each exchange, so the test
 * sees what the Spring client asked (full or delta fetch, renew, cancel) and what it got.
 */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const calls: RecordedCall[] = [];
  const server: Server = createServer((request, response) => {
    const requestChunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => requestChunks.push(chunk));
    request.on('end', () => {
      const requestBody = Buffer.concat(requestChunks);
      const forwarded = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, host: upstream.host },
        },
        (answer) => {
          const responseChunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => responseChunks.push(chunk));
          answer.on('end', () => {
            const responseBody = Buffer.concat(responseChunks);
            calls.push({
              method: request.method ?? '',
              path: request.url ?? '',
              status: answer.statusCode ?? 0,
              requestBody: requestBody.toString('utf8'),
              responseBody: answer.headers['content-encoding']
                ? `(${answer.headers['content-encoding']})`
                : responseBody.toString('utf8'),
            });
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            response.end(responseBody);
          });
        },
      );
      forwarded.on('error', (error) => {
        response.writeHead(502).end(error.message);
      });
      forwarded.end(requestBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
