/** The facts a result needs to be compared with another: machine, versions, load. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../tools/runtime/paths';

export interface MachineFacts {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly totalMemoryMiB: number;
  readonly os: string;
  readonly kernel: string;
}

export interface Versions {
  readonly node: string;
  readonly kafka: string;
  readonly ferretdb: string;
  readonly kafkajs: string;
  readonly mongodbDriver: string;
  readonly mongoose: string;
  readonly nestjs: string;
  readonly nginx: string | null;
  readonly wrk: string | null;
  readonly git: { commit: string; dirty: boolean } | null;
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  let osName = `${os.type()} ${os.release()}`;
  try {
    const release = fs.readFileSync('/etc/os-release', 'utf8');
    osName = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(release)?.[1] ?? osName;
  } catch {
    // not Linux: os.type() will do
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryMiB: Math.round(os.totalmem() / 1024 / 1024),
    os: osName,
    kernel: os.release(),
  };
}

/** 1-, 5- and 15-minute load averages, two decimals. */
export function loadAverage(): [number, number, number] {
  const [a, b, c] = os.loadavg();
  return [a, b, c].map((v) => Math.round(v * 100) / 100) as [number, number, number];
}

function packageVersion(name: string): string {
  const file = require.resolve(`${name}/package.json`, { paths: [ROOT] });
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

/** stdout and stderr of a short command (nginx -v writes to stderr; wrk -v exits 1). */
function commandOutput(command: string, args: string[]): string | null {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 10_000 });
  if (result.error) return null;
  const text = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  return text.length > 0 ? text : null;
}

export function versions(): Versions {
  const pom = fs.readFileSync(path.join(ROOT, 'infra/kafka/pom.xml'), 'utf8');
  const goMod = fs.readFileSync(path.join(ROOT, 'infra/ferretdb/go.mod'), 'utf8');
  // /usr/sbin, where Debian puts nginx, is not on every PATH.
  const nginxPath = ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((file) =>
    fs.existsSync(file),
  );
  const nginx = commandOutput(nginxPath ?? 'nginx', ['-v']);
  const wrk = commandOutput('wrk', ['-v']);
  const commit = commandOutput('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const status = commandOutput('git', ['-C', ROOT, 'status', '--porcelain', '--', 'apps', 'libs']);
  return {
    node: process.version,
    kafka: /<kafka\.version>([^<]+)</.exec(pom)?.[1] ?? 'unknown',
    ferretdb: /FerretDB\/FerretDB (v[\w.-]+)/.exec(goMod)?.[1] ?? 'unknown',
    kafkajs: packageVersion('kafkajs'),
    mongodbDriver: packageVersion('mongodb'),
    mongoose: packageVersion('mongoose'),
    nestjs: packageVersion('@nestjs/core'),
    nginx: nginx ? (/nginx\/([\d.]+)/.exec(nginx)?.[1] ?? nginx) : null,
    // "wrk debian/4.1.0-3+b2 [epoll] …" or "wrk 4.2.0 [epoll] …"
    wrk: wrk ? (/^wrk (\S+)/m.exec(wrk)?.[1] ?? wrk.split('\n')[0]) : null,
    git: commit ? { commit: commit.trim(), dirty: (status ?? '').trim().length > 0 } : null,
  };
}
