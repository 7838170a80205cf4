/**
 * The two Debian tools of the gateway benchmark: wrk (the load generator) and nginx (the
 * reference reverse proxy). Installed with apt-get when missing and we are root, like
 * tools/ensure-deps.js installs Chromium; otherwise the caller skips with a clear message.
 */
import { execFileSync, execSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const candidate of [path.join(dir, command)]) {
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {
        // keep looking
      }
    }
  }
  // nginx lives in /usr/sbin, which a non-login PATH may lack.
  const sbin = path.join('/usr/sbin', command);
  return fs.existsSync(sbin) ? sbin : undefined;
}

/**
 * Debian starts a service when its package is installed, unless policy-rc.d forbids it (as in
 * containers). nginx is only installed when no system nginx would start listening on port 80.
 */
function serviceStartsDenied(): boolean {
  try {
    execFileSync('/usr/sbin/policy-rc.d', ['nginx', 'start'], { stdio: 'ignore' });
    return false;
  } catch (error) {
    return (error as { status?: number }).status === 101;
  }
}

function aptInstall(pkg: string, log: (line: string) => void): boolean {
  if (process.getuid?.() !== 0 || !onPath('apt-get')) return false;
  log(`installing Debian's ${pkg} (apt-get)…`);
  try {
    execSync(
      `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg} >/dev/null`,
      { stdio: 'inherit', shell: '/bin/bash' },
    );
    return true;
  } catch {
    return false;
  }
}

export type ToolLookup = { readonly path: string } | { readonly missing: string };

export function ensureWrk(log: (line: string) => void): ToolLookup {
  const found = onPath('wrk') ?? (aptInstall('wrk', log) ? onPath('wrk') : undefined);
  return found
    ? { path: found }
    : { missing: 'wrk is not installed and could not be: `sudo apt-get install -y wrk`' };
}

export function ensureNginx(log: (line: string) => void): ToolLookup {
  let found = onPath('nginx');
  if (!found && serviceStartsDenied() && aptInstall('nginx-light', log)) found = onPath('nginx');
  return found
    ? { path: found }
    : {
        missing:
          'nginx is not installed (`sudo apt-get install -y nginx-light`, then `sudo systemctl disable --now nginx`: the benchmark runs its own on 127.0.0.1)',
      };
}

export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p75Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly socketErrors: number;
}

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!match) return Number.NaN;
  const n = Number(match[1]);
  return { us: n / 1000, ms: n, s: n * 1000, m: n * 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
}

export function parseWrk(output: string): WrkResult {
  const latency = (p: string) =>
    toMs(new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(output)?.[1] ?? '');
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN),
    requests: Number(/(\d+) requests in/.exec(output)?.[1] ?? Number.NaN),
    p50Ms: latency('50'),
    p75Ms: latency('75'),
    p90Ms: latency('90'),
    p99Ms: latency('99'),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
  };
}

export interface WrkOptions {
  readonly threads: number;
  readonly connections: number;
  readonly seconds: number;
}

/** One wrk run against a loopback URL; wrk stops by itself after `seconds`. */
export function runWrk(wrk: string, url: string, options: WrkOptions): Promise<WrkResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+\//.test(url)) throw new Error(`not a loopback URL: ${url}`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      wrk,
      [
        `-t${options.threads}`,
        `-c${options.connections}`,
        `-d${options.seconds}s`,
        '--timeout',
        '5s',
        '--latency',
        url,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // wrk ends on its own; this only guards against a hung child.
    const guard = setTimeout(() => child.kill('SIGKILL'), (options.seconds + 30) * 1000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(guard);
      if (code !== 0) return reject(new Error(`wrk exited with ${code}: ${output}`));
      resolve(parseWrk(output));
    });
  });
}
