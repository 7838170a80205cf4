/**
 * Gateway overhead: the same accounts instance measured directly, through the gateway and
 * through nginx (Debian's, one worker, upstream keep-alive, no access log) as a reference
 * reverse proxy, with the same wrk settings, one after the other in one run. Two endpoints:
 * `/actuator/info` (no database: the proxy's own cost shows) and `GET /customers/{id}` (one
 * FerretDB read: a realistic request).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnManaged, type ManagedProcess } from '../../tools/runtime/procs';
import { freePort } from '../../tools/runtime/test-stack';
import { waitUntil } from '../../tools/runtime/wait';
import { byMode, type StackContext } from '../lib/context';
import { createCustomers } from '../lib/customers';
import { HttpClient } from '../lib/http';
import { type AppProfile, profileWhile } from '../lib/probe';
import { ratio } from '../lib/stats';
import { type CpuUse, cpuSince, cpuSnapshot } from '../lib/cpu';
import { ensureNginx, ensureWrk, runWrk, type WrkOptions, type WrkResult } from '../lib/tools';

type Target = 'direct' | 'gateway' | 'nginx';

export interface GatewayEndpointResult {
  readonly endpoint: string;
  readonly direct: WrkResult;
  readonly gateway: WrkResult;
  readonly nginx?: WrkResult;
  /** Gateway requests/s over direct and over nginx. */
  readonly gatewayVsDirect: number | null;
  readonly gatewayVsNginx: number | null;
  /** CPU per process during each measured run (percent of one core). */
  readonly cpu: Partial<Record<Target, CpuUse>>;
}

export interface GatewayResult {
  readonly wrk: WrkOptions & { warmUpSeconds: number };
  readonly nginx: string;
  readonly endpoints: GatewayEndpointResult[];
  readonly profiles?: AppProfile[];
}

function nginxConfig(dir: string, listen: number, upstream: number): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream accounts { server 127.0.0.1:${upstream}; keepalive 64; }
  server {
    listen 127.0.0.1:${listen};
    location /accounts/ {
      proxy_pass http://accounts/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Prefix /accounts;
      proxy_connect_timeout 3s;
      proxy_read_timeout 3s;
    }
  }
}
`;
}

async function startNginx(
  nginx: string,
  runId: string,
  upstreamPort: number,
): Promise<{ proc: ManagedProcess; url: string; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `storefront-bench-nginx-${runId}-`));
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, nginxConfig(dir, port, upstreamPort));
  const proc = await spawnManaged(
    'nginx-bench',
    nginx,
    ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf, '-g', 'daemon off;'],
    { logFile: path.join(dir, 'stderr.log') },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      const exited = await Promise.race([proc.exited, Promise.resolve('running')]);
      if (exited !== 'running')
        throw new Error(`nginx exited: ${fs.readFileSync(path.join(dir, 'stderr.log'), 'utf8')}`);
      return fetch(`${url}/accounts/actuator/info`)
        .then((r) => r.ok)
        .catch(() => false);
    },
    { what: 'nginx to proxy to accounts', timeoutMs: 10_000, intervalMs: 100 },
  );
  return { proc, url, dir };
}

export async function runGateway(
  context: StackContext,
): Promise<GatewayResult | { skipped: string }> {
  const wrk = ensureWrk(context.log);
  if ('missing' in wrk) return { skipped: wrk.missing };
  const nginx = ensureNginx(context.log);
  if ('missing' in nginx) context.log(`gateway: no nginx comparison: ${nginx.missing}`);

  const accountsUrl = context.stack.url('accounts');
  const accountsPort = Number(new URL(accountsUrl).port);
  const accounts = new HttpClient(accountsUrl);
  const [customerId] = await createCustomers(accounts, 1);
  accounts.close();

  const options: WrkOptions = {
    threads: 1,
    connections: 32,
    seconds: byMode(context, 8, 20),
  };
  const warmUpSeconds = byMode(context, 2, 5);
  let nginxProc: { proc: ManagedProcess; url: string; dir: string } | undefined;
  try {
    if ('path' in nginx) nginxProc = await startNginx(nginx.path, context.runId, accountsPort);
    const bases: Partial<Record<Target, string>> = {
      direct: accountsUrl,
      gateway: `${context.stack.gatewayUrl}/accounts`,
      ...(nginxProc ? { nginx: `${nginxProc.url}/accounts` } : {}),
    };
    // Routing through the registry: the gateway must know the accounts instance first.
    await waitUntil(
      () =>
        fetch(`${bases.gateway}/actuator/info`)
          .then((r) => r.ok)
          .catch(() => false),
      { what: 'the gateway to route /accounts', timeoutMs: 30_000, intervalMs: 250 },
    );

    // wrk and nginx are children of this process, outside the context's list.
    const processes = () => [
      ...context.processes(),
      ...(nginxProc ? [{ name: 'nginx', pid: nginxProc.proc.pid, children: true }] : []),
    ];
    const endpoints: GatewayEndpointResult[] = [];
    for (const endpoint of ['/actuator/info', `/customers/${customerId}`]) {
      const measured: Partial<Record<Target, WrkResult>> = {};
      const cpu: Partial<Record<Target, CpuUse>> = {};
      for (const target of ['direct', 'gateway', 'nginx'] as const) {
        const base = bases[target];
        if (!base) continue;
        await runWrk(wrk.path, `${base}${endpoint}`, { ...options, seconds: warmUpSeconds });
        const cpuStart = cpuSnapshot(processes());
        measured[target] = await runWrk(wrk.path, `${base}${endpoint}`, options);
        cpu[target] = cpuSince(cpuStart, processes());
        const r = measured[target];
        context.log(
          `gateway: ${endpoint} ${target}: ${Math.round(r.requestsPerSecond)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms${r.non2xx ? `, ${r.non2xx} non-2xx` : ''}`,
        );
      }
      endpoints.push({
        endpoint: endpoint.startsWith('/customers/') ? '/customers/{id}' : endpoint,
        direct: measured.direct!,
        gateway: measured.gateway!,
        ...(measured.nginx ? { nginx: measured.nginx } : {}),
        gatewayVsDirect: ratio(
          measured.gateway!.requestsPerSecond,
          measured.direct!.requestsPerSecond,
        ),
        gatewayVsNginx: ratio(
          measured.gateway?.requestsPerSecond,
          measured.nginx?.requestsPerSecond,
        ),
        cpu,
      });
    }

    let profiles: AppProfile[] | undefined;
    if (context.profile) {
      // A separate pass: the profiler's own overhead stays out of the figures above.
      const profiled = await profileWhile(context.stack, context.probeDir, ['gateway'], () =>
        runWrk(wrk.path, `${bases.gateway}/actuator/info`, {
          ...options,
          seconds: byMode(context, 5, 10),
        }),
      );
      profiles = profiled.profiles;
    }
    return {
      wrk: { ...options, warmUpSeconds },
      nginx:
        'path' in nginx
          ? 'Debian nginx, 1 worker, upstream keepalive 64, access_log off'
          : nginx.missing,
      endpoints,
      ...(profiles ? { profiles } : {}),
    };
  } finally {
    if (nginxProc) {
      await nginxProc.proc.stop(5_000);
      fs.rmSync(nginxProc.dir, { recursive: true, force: true });
    }
  }
}
