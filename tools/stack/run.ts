/**
 * `npm run test:stack`: the Swarm stack, built and deployed for real on this machine, then
 * exercised by tools/stack/test/stack.stack-spec.ts, then removed.
 *
 * 1. A Docker engine: Debian's docker.io and debootstrap are installed when missing (as root),
 *    dockerd is started when none answers, and stopped at the end if this run started it.
 * 2. scripts/build-images.sh --from-source, twice: the second run shows the build cache.
 * 3. scripts/stack-deploy.sh --from-source (it makes a single-node swarm when the engine is in
 *    none; this run leaves that swarm again at the end).
 * 4. Jest's `stack` project, in band: flow, consoles, scale, kill, rolling update, remove.
 * 5. scripts/stack-remove.sh --purge, whatever happened before.
 * Nothing is skipped: a step that cannot run fails the run with its reason. Figures (build and
 * deploy times, image sizes, the answers during the rolling update) go to
 * test-artifacts/stack-figures.json and to the output.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type CommandDef, runCommand } from '../cli/options';
import { runJest, type JestRun } from '../jest-run';
import { LOGS_DIR, ROOT, RUNTIME_DIR } from '../runtime/paths';
import { waitUntil } from '../runtime/wait';
import { FIGURES_FILE, IMAGES, recordFigures } from './stack-figures';

function say(message: string): void {
  process.stdout.write(`[test:stack] ${message}\n`);
}

function succeeds(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/** Runs a command with its output shown; throws with the reason when it fails. */
function run(what: string, command: string, args: string[], env?: NodeJS.ProcessEnv): number {
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) {
    throw new Error(`${what} failed (${command} ${args.join(' ')}: exit ${result.status})`);
  }
  return Math.round((Date.now() - started) / 100) / 10;
}

function hasCommand(name: string): boolean {
  return succeeds('sh', ['-c', `command -v ${name}`]);
}

function ensurePackages(): void {
  const missing = [
    ...(fs.existsSync('/usr/bin/dockerd') || hasCommand('dockerd') ? [] : ['docker.io']),
    ...(hasCommand('debootstrap') ? [] : ['debootstrap']),
  ];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${missing.join(' and ')} missing, and installing them needs root`);
  }
  say(`installing ${missing.join(', ')} (apt-get)`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get update', 'apt-get', ['update', '-qq'], env);
  run('apt-get install', 'apt-get', ['install', '-y', '-qq', ...missing], env);
}

/** Starts dockerd when no engine answers; returns the process this run started, if any. */
async function ensureEngine(): Promise<ChildProcess | undefined> {
  if (succeeds('docker', ['info'])) return undefined;
  fs.mkdirSync(LOGS_DIR, { recursive: true });
  const logFile = path.join(LOGS_DIR, 'dockerd.log');
  const log = fs.openSync(logFile, 'a');
  say(`starting dockerd (log in ${path.relative(ROOT, logFile)})`);
  const daemon = spawn('dockerd', [], { detached: true, stdio: ['ignore', log, log] });
  daemon.unref();
  await waitUntil(() => daemon.exitCode === null && succeeds('docker', ['info']), {
    what: 'dockerd to answer',
    timeoutMs: 60_000,
    intervalMs: 500,
  });
  return daemon;
}

async function stopEngine(daemon: ChildProcess): Promise<void> {
  say('stopping the dockerd this run started');
  daemon.kill('SIGTERM');
  await waitUntil(() => daemon.exitCode !== null || daemon.signalCode !== null, {
    what: 'dockerd to stop',
    timeoutMs: 60_000,
    intervalMs: 250,
  });
}

function swarmState(): string {
  const result = spawnSync('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}'], {
    encoding: 'utf8',
  });
  return result.stdout.trim();
}

function imageSizes(): Record<string, string> {
  const sizes: Record<string, string> = {};
  for (const image of IMAGES) {
    const result = spawnSync('docker', ['image', 'inspect', '--format', '{{.Size}}', image], {
      encoding: 'utf8',
    });
    sizes[image] = `${Math.round(Number(result.stdout.trim()) / 1e6)} MB`;
  }
  return sizes;
}

async function main(): Promise<number> {
  const started = Date.now();
  fs.mkdirSync(RUNTIME_DIR, { recursive: true });
  fs.rmSync(FIGURES_FILE, { force: true });
  ensurePackages();
  const daemon = await ensureEngine();
  const leaveSwarm = swarmState() === 'inactive';
  let tests: JestRun | undefined;
  try {
    const buildSeconds = run('build', 'scripts/build-images.sh', ['--from-source']);
    const rebuildSeconds = run('rebuild', 'scripts/build-images.sh', ['--from-source']);
    const deploySeconds = run('deploy', 'scripts/stack-deploy.sh', ['--from-source']);
    recordFigures({ buildSeconds, rebuildSeconds, deploySeconds, images: imageSizes() });
    tests = runJest('stack', ['--selectProjects', 'stack', '--runInBand'], {
      STOREFRONT_STACK_TEST: '1',
    });
  } finally {
    try {
      run('remove', 'scripts/stack-remove.sh', ['--purge']);
    } finally {
      if (leaveSwarm && swarmState() !== 'inactive') {
        say('leaving the swarm this run made');
        run('swarm leave', 'docker', ['swarm', 'leave', '--force']);
      }
      if (daemon) await stopEngine(daemon);
    }
  }
  const figures = fs.existsSync(FIGURES_FILE) ? fs.readFileSync(FIGURES_FILE, 'utf8') : '{}';
  say(`figures (${path.relative(ROOT, FIGURES_FILE)}):\n${figures}`);
  say(`took ${Math.round((Date.now() - started) / 1000)} s`);
  process.stdout.write(`\n${tests.closingLine}\n`);
  return tests.failed === 0 && tests.passed > 0 && tests.status === 0 ? 0 : 1;
}

const STACK_COMMAND: CommandDef<Record<string, never>> = {
  usage: ['npm run test:stack'],
  summary:
    'Builds the images from source (twice: the second shows the build cache), deploys the Swarm\n' +
    'stack on a Docker engine of this machine (started, and a single-node swarm made, when\n' +
    'there is none), runs the stack tests against it and removes it again.',
  options: {},
  footer:
    'Exit status: 0 when every stack test passed, 1 otherwise, 2 on a wrong option.\n' +
    `Figures (build and deploy times, image sizes): ${path.relative(ROOT, FIGURES_FILE)}.`,
};

void runCommand('test:stack', STACK_COMMAND, main);
