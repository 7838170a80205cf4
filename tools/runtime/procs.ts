import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { LOGS_DIR, PIDS_DIR } from './paths';
import { waitUntil } from './wait';

/** A missing tool or a busy port: reported as one actionable line, no stack trace needed. */
export class PrerequisiteError extends Error {
  override readonly name = 'PrerequisiteError';
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code, or null when the process was ended by a signal. */
  readonly exited: Promise<number | null>;
  /** The signal that ended the process, once it has exited by one. */
  readonly exitSignal: NodeJS.Signals | null;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process is gone. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly logFile: string;
  /**
   * Own process group, unreferenced: only for a server that must outlive the launcher.
   * By default the server stays in the launcher's group, so a Ctrl-C in the terminal
   * reaches it too and nothing is left behind.
   */
  readonly detached?: boolean;
  /** Run as this user and group (a root launcher starting a server that refuses root). */
  readonly uid?: number;
  readonly gid?: number;
}

/** What a pid file records: enough to recognise the process later, even after pid reuse. */
interface PidRecord {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly detached: boolean;
}

const DEFAULT_STOP_TIMEOUT_MS = 20_000;

export function pidFile(name: string): string {
  return path.join(PIDS_DIR, `${name}.pid`);
}

export function logFileFor(name: string): string {
  return path.join(LOGS_DIR, `${name}.log`);
}

/** Log files this process has written: a process started again appends to its predecessor's. */
const openedLogs = new Set<string>();

export async function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<ManagedProcess> {
  const detached = options.detached ?? false;
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  fs.mkdirSync(PIDS_DIR, { recursive: true });
  const logFd = fs.openSync(options.logFile, openedLogs.has(options.logFile) ? 'a' : 'w');
  openedLogs.add(options.logFile);

  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', logFd, logFd],
    detached,
    uid: options.uid,
    gid: options.gid,
  });
  fs.closeSync(logFd);

  let exitSignal: NodeJS.Signals | null = null;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      exitSignal = signal;
      resolve(code);
    });
  });

  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) =>
      reject(new Error(`${name}: cannot start ${command}: ${err.message}`)),
    );
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: ${command} started without a pid`);
  if (detached) child.unref();

  const file = pidFile(name);
  const record: PidRecord = { pid, argv: [command, ...args], detached };
  fs.writeFileSync(file, `${JSON.stringify(record)}\n`);

  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });

  const stop = async (timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<void> => {
    if (exitCode === undefined) {
      signal(pid, detached, 'SIGTERM');
      if (!(await settlesWithin(exited, timeoutMs))) {
        signal(pid, detached, 'SIGKILL');
        await exited;
      }
    }
    removePidFile(file, pid);
  };

  return {
    name,
    pid,
    logFile: options.logFile,
    exited,
    stop,
    get exitSignal() {
      return exitSignal;
    },
  };
}

/**
 * Waits until `probe` reports the freshly started server ready. Fails early if the process
 * exits, and on any failure stops it (no half-started server is left) and throws with the
 * tail of its log, which is where the reason is.
 */
export async function waitForReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  options: { what: string; timeoutMs: number; intervalMs?: number },
): Promise<void> {
  let exitCode: number | null | undefined;
  void proc.exited.then((code) => {
    exitCode = code;
  });
  try {
    await waitUntil(
      async () => {
        if (exitCode !== undefined)
          throw new Error(
            `${proc.name} exited with code ${exitCode} before ${options.what}; last lines of ${proc.logFile}:\n${tailFile(proc.logFile)}`,
          );
        return probe();
      },
      { ...options, detail: () => `last lines of ${proc.logFile}:\n${tailFile(proc.logFile)}` },
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
}

/**
 * Stops a process recorded in `.runtime/pids/<name>.pid` by an earlier run (a crashed test
 * run, a developer's `npm start`). The pid is only signalled while /proc still shows the
 * recorded command line, so a recycled pid is never killed. Returns whether it stopped one.
 */
export async function stopFromPidFile(
  name: string,
  timeoutMs = DEFAULT_STOP_TIMEOUT_MS,
): Promise<boolean> {
  const file = pidFile(name);
  const record = readPidRecord(file);
  if (!record) return false;
  if (!isAlive(record.pid) || !commandLineMatches(record)) {
    removePidFile(file, record.pid);
    return false;
  }
  signal(record.pid, record.detached, 'SIGTERM');
  const stopped = await waitUntil(() => !isAlive(record.pid), {
    what: `${name} (pid ${record.pid}) to exit`,
    timeoutMs,
  }).catch(() => false);
  if (!stopped) {
    signal(record.pid, record.detached, 'SIGKILL');
    await waitUntil(() => !isAlive(record.pid), {
      what: `${name} (pid ${record.pid}) to die after SIGKILL`,
      timeoutMs: 5_000,
    });
  }
  removePidFile(file, record.pid);
  return true;
}

/** The pid recorded for `name` if that process is still ours and alive. */
export function runningFromPidFile(name: string): number | undefined {
  const record = readPidRecord(pidFile(name));
  return record && isAlive(record.pid) && commandLineMatches(record) ? record.pid : undefined;
}

export function requireCommand(cmd: string, hint: string): void {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const found = dirs.some((dir) => {
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!found) throw new PrerequisiteError(`${cmd} not found: ${hint}`);
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Fails fast with a clear line instead of letting a server die later on "address in use". */
export async function ensurePortFree(port: number, what: string): Promise<void> {
  const inUse = await new Promise<boolean>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' ? resolve(true) : reject(err),
    );
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolve(false)),
    );
  });
  if (inUse) {
    throw new PrerequisiteError(
      `port ${port} on 127.0.0.1 is already in use, so ${what} cannot start: stop whatever listens there`,
    );
  }
}

/**
 * Runs a short-lived command to completion (a build, a format step). On failure the error
 * names what failed and carries the command's last output lines, which is where the cause is.
 */
export function runCommand(
  what: string,
  command: string,
  args: readonly string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    /** Written to the command's standard input, which is then closed. */
    input?: string;
    uid?: number;
    gid?: number;
  } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      [...args],
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        maxBuffer: 32 * 1024 * 1024,
        uid: options.uid,
        gid: options.gid,
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const output = `${stdout}\n${stderr}`.trim() || err.message;
        reject(
          new Error(
            `${what} failed (${command} exited with ${err.code ?? err.signal}):\n${output.split('\n').slice(-30).join('\n')}`,
          ),
        );
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** The last lines of a log file, for error messages about a server that failed to start. */
export function tailFile(file: string, lines = 25): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return `(no log at ${file})`;
  }
}

function signal(pid: number, group: boolean, sig: NodeJS.Signals): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie still answers signal 0 but will never serve again.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function commandLineMatches(record: PidRecord): boolean {
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  const argv = cmdline.split('\0').filter((arg, i, all) => i < all.length - 1 || arg !== '');
  return argv.length === record.argv.length && argv.every((arg, i) => arg === record.argv[i]);
}

function readPidRecord(file: string): PidRecord | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<PidRecord>;
    if (typeof parsed.pid === 'number' && Array.isArray(parsed.argv)) {
      return { pid: parsed.pid, argv: parsed.argv, detached: parsed.detached === true };
    }
  } catch {
    // Missing or unreadable: nothing recorded.
  }
  return undefined;
}

/** Removes the pid file unless a newer run has already replaced it with another pid. */
function removePidFile(file: string, pid: number): void {
  const current = readPidRecord(file);
  if (!current || current.pid === pid) fs.rmSync(file, { force: true });
}

/** Resolves true when `promise` settles first, false when `ms` pass first. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
