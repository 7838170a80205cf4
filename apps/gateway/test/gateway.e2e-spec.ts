/**
 * The gateway against a real registry process and real upstream HTTP servers registered in
 * it: routing, round-robin, failover, timeouts and the JSON errors, all over real sockets.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { createApp, DiscoveryClient } from '@storefront/platform';
import { eventually } from '@storefront/testing';
import { type RunningApps, startApps } from '../../../tools/runtime/apps';
import { freePort } from '../../../tools/runtime/test-stack';
import { gatewayApp } from '../src/gateway.app';

interface Upstream {
  name: string;
  port: number;
  server: Server;
  sockets: Set<Socket>;
  /** Connections accepted so far. */
  connections: number;
  /** Milliseconds to wait before answering. */
  delayMs: number;
  /**
   * Cut a connection, without answering, when a second request arrives on it: what the
   * gateway meets when it reuses a connection the service closed while it sat idle.
   */
  cutReusedConnections: boolean;
}

/** A tiny service that echoes what it received, and says which instance answered. */
async function startUpstream(name: string): Promise<Upstream> {
  const upstream: Upstream = {
    name,
    port: 0,
    server: createServer(),
    sockets: new Set(),
    connections: 0,
    delayMs: 0,
    cutReusedConnections: false,
  };
  const served = new WeakSet<Socket>();
  upstream.server.on('connection', (socket) => {
    upstream.connections += 1;
    upstream.sockets.add(socket);
    socket.on('close', () => upstream.sockets.delete(socket));
  });
  upstream.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (upstream.cutReusedConnections && served.has(request.socket)) {
      request.socket.destroy();
      return;
    }
    served.add(request.socket);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            instance: name,
            method: request.method,
            url: request.url,
            headers: request.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      }, upstream.delayMs);
    });
  });
  await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
  upstream.port = (upstream.server.address() as AddressInfo).port;
  return upstream;
}

/** Stops answering at once, as a crashed process would: open connections are cut too. */
async function kill(upstream: Upstream): Promise<void> {
  const closed = new Promise<void>((resolve) => upstream.server.close(() => resolve()));
  for (const socket of upstream.sockets) socket.destroy();
  await closed;
}

/**
 * A port whose connections never complete: a listener that never accepts, its accept queue
 * filled by its own connections, so the kernel drops further SYNs (a hung or firewalled
 * host). Python, because a Node process cannot listen without accepting.
 */
async function startBlackhole(): Promise<{ port: number; process: ChildProcess }> {
  const script = [
    'import socket, sys, time',
    's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
    'port = s.getsockname()[1]; fillers = []',
    'for _ in range(3):',
    '    c = socket.socket(); c.setblocking(False); fillers.append(c)',
    '    try: c.connect(("127.0.0.1", port))',
    '    except BlockingIOError: pass',
    'print(port, flush=True); sys.stdin.read()', // lives until the test closes its stdin
  ].join('\n');
  const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { port: Number(line.toString().trim()), process: child };
}

async function register(
  eurekaUrl: string,
  app: string,
  upstream: Pick<Upstream, 'port'>,
): Promise<void> {
  const instanceId = `127.0.0.1:${app.toLowerCase()}:${upstream.port}`;
  const response = await fetch(`${eurekaUrl}/apps/${app}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      instance: {
        instanceId,
        app,
        hostName: '127.0.0.1',
        ipAddr: '127.0.0.1',
        status: 'UP',
        port: { $: upstream.port, '@enabled': 'true' },
        vipAddress: app.toLowerCase(),
        statusPageUrl: `http://127.0.0.1:${upstream.port}/actuator/info`,
        dataCenterInfo: {
          '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
          name: 'MyOwn',
        },
        leaseInfo: { durationInSecs: 300, renewalIntervalInSecs: 30 },
      },
    }),
  });
  expect(response.status).toBe(204);
}

interface Echo {
  instance: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

const READ_TIMEOUT_MS = 700;
const CONNECT_TIMEOUT_MS = 300;

describe('gateway', () => {
  let registry: RunningApps;
  let eurekaUrl: string;
  let gateway: INestApplication;
  let base: string;
  const upstreams: Upstream[] = [];
  let blackhole: { port: number; process: ChildProcess };

  beforeAll(async () => {
    const registryPort = await freePort();
    registry = await startApps(
      [
        {
          app: 'registry',
          port: registryPort,
          env: { LOG_LEVEL: 'warn', LEASE_EVICTION_INTERVAL_MS: '1000' },
        },
      ],
      { kafkaBrokers: ['127.0.0.1:9092'], mongoUrl: 'mongodb://127.0.0.1:27017/' },
    );
    eurekaUrl = `http://127.0.0.1:${registryPort}/eureka`;
    for (const name of ['a', 'b']) upstreams.push(await startUpstream(name));
    for (const upstream of upstreams) await register(eurekaUrl, 'ECHO', upstream);
    upstreams.push(await startUpstream('slow'));
    await register(eurekaUrl, 'SLOW', upstreams[2]);
    upstreams.push(await startUpstream('cutting'));
    await register(eurekaUrl, 'CUTTING', upstreams[3]);
    blackhole = await startBlackhole();
    await register(eurekaUrl, 'HUNG', blackhole);
    upstreams.push(await startUpstream('answering'));
    await register(eurekaUrl, 'HALFHUNG', blackhole);
    await register(eurekaUrl, 'HALFHUNG', upstreams[4]);

    ({ app: gateway } = await createApp(gatewayApp, {
      PORT: '1', // unused: the test listens on a free port
      LOG_LEVEL: 'silent',
      EUREKA_ENABLED: 'true',
      EUREKA_URL: eurekaUrl,
      EUREKA_REGISTRY_FETCH_INTERVAL_MS: '60000',
      GATEWAY_MAX_BODY_BYTES: '1000',
      GATEWAY_RATE_LIMIT: '0',
      GATEWAY_ROUTES: JSON.stringify([
        { prefix: '/echo', serviceId: 'ECHO' },
        { prefix: '/slow', serviceId: 'SLOW', readTimeoutMs: READ_TIMEOUT_MS },
        { prefix: '/nothing', serviceId: 'NOTHING' },
        { prefix: '/mixed', serviceId: 'MIXED' },
        { prefix: '/cutting', serviceId: 'CUTTING' },
        { prefix: '/hung', serviceId: 'HUNG', connectTimeoutMs: CONNECT_TIMEOUT_MS },
        { prefix: '/halfhung', serviceId: 'HALFHUNG', connectTimeoutMs: CONNECT_TIMEOUT_MS },
      ]),
    }));
    await gateway.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${((gateway.getHttpServer() as Server).address() as AddressInfo).port}`;
    const discovery = gateway.get(DiscoveryClient);
    await eventually(
      'the gateway to see the registered instances',
      async () => {
        await discovery.refresh().catch(() => undefined);
        return (
          discovery.getInstances('ECHO').length === 2 &&
          discovery.getInstances('SLOW').length === 1 &&
          discovery.getInstances('CUTTING').length === 1 &&
          discovery.getInstances('HUNG').length === 1 &&
          discovery.getInstances('HALFHUNG').length === 2
        );
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );
  });

  afterAll(async () => {
    await gateway?.close();
    for (const upstream of upstreams) if (upstream.server.listening) await kill(upstream);
    await registry?.stop();
    blackhole?.process.stdin?.end();
  });

  const get = async (
    path: string,
    init?: RequestInit,
  ): Promise<{ status: number; body: Echo & Record<string, unknown>; headers: Headers }> => {
    const response = await fetch(`${base}${path}`, init);
    return {
      status: response.status,
      body: (await response.json()) as Echo & Record<string, unknown>,
      headers: response.headers,
    };
  };

  it('strips the prefix and passes method, query, headers and body through', async () => {
    const response = await get('/echo/customers/42?page=1&size=5', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-custom': 'kept' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      method: 'POST',
      url: '/customers/42?page=1&size=5',
      body: '{"hello":"world"}',
    });
    expect(response.body.headers).toMatchObject({
      'x-custom': 'kept',
      'x-forwarded-prefix': '/echo',
      'x-forwarded-proto': 'http',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-host': base.replace('http://', ''),
    });
  });

  it('adds a correlation id when absent and echoes the one given', async () => {
    const fresh = await get('/echo/x');
    expect(fresh.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh.body.headers['x-correlation-id']).toBe(fresh.headers.get('x-correlation-id'));
    const given = await get('/echo/x', { headers: { 'x-correlation-id': 'trace-me-123' } });
    expect(given.headers.get('x-correlation-id')).toBe('trace-me-123');
    expect(given.body.headers['x-correlation-id']).toBe('trace-me-123');
  });

  it('alternates between the two instances', async () => {
    const answered: string[] = [];
    for (let i = 0; i < 6; i += 1) answered.push((await get('/echo/who')).body.instance);
    expect(new Set(answered)).toEqual(new Set(['a', 'b']));
    for (let i = 1; i < answered.length; i += 1) expect(answered[i]).not.toBe(answered[i - 1]);
  });

  it('only exposes health and info of a service', async () => {
    expect((await get('/echo/actuator/health')).status).toBe(200);
    expect((await get('/echo/actuator/info')).status).toBe(200);
    const hidden = await get('/echo/actuator/prometheus');
    expect(hidden.status).toBe(404);
    expect(hidden.body).toMatchObject({ code: 'GATEWAY.NOT_EXPOSED' });
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await get('/nope/customers');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ statusCode: 404, code: 'REQUEST.NOT_FOUND' });
  });

  it('answers 503 when no instance is registered', async () => {
    const response = await get('/nothing/x');
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ statusCode: 503, code: 'GATEWAY.NO_INSTANCE' });
  });

  it('refuses a body over the limit with a 413, declared or streamed', async () => {
    const declared = await get('/echo/x', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(2000),
    });
    expect(declared.status).toBe(413);
    expect(declared.body).toMatchObject({ code: 'GATEWAY.BODY_TOO_LARGE' });
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i += 1)
          controller.enqueue(new TextEncoder().encode('y'.repeat(500)));
        controller.close();
      },
    });
    const streamed = await get('/echo/x', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('answers 504 when the upstream is slower than the read timeout', async () => {
    upstreams[2].delayMs = READ_TIMEOUT_MS * 4;
    const started = Date.now();
    const response = await get('/slow/x');
    const elapsed = Date.now() - started;
    expect(response.status).toBe(504);
    expect(response.body).toMatchObject({ statusCode: 504, code: 'GATEWAY.UPSTREAM_TIMEOUT' });
    // It gave up at the timeout, not when the upstream finally answered.
    expect(elapsed).toBeGreaterThanOrEqual(READ_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(READ_TIMEOUT_MS * 4);
  });

  it('answers 504 when an instance does not accept the connection in time', async () => {
    const started = Date.now();
    const response = await get('/hung/x');
    const elapsed = Date.now() - started;
    expect(response.status).toBe(504);
    expect(response.body).toMatchObject({ statusCode: 504, code: 'GATEWAY.UPSTREAM_TIMEOUT' });
    // It gave up at the route's connect timeout, well before the read timeout (3 s).
    expect(elapsed).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(2500);
  });

  it('moves a GET from an instance that does not accept the connection to another', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const response = await get('/halfhung/x');
      expect(response.status).toBe(200);
      answers.push(response.body.instance);
    }
    expect(answers).toEqual(['answering', 'answering', 'answering', 'answering']);
  });

  it('reuses upstream connections instead of opening one per request', async () => {
    const cutting = upstreams[3];
    const before = cutting.connections;
    for (let i = 0; i < 20; i += 1) expect((await get('/cutting/reused')).status).toBe(200);
    // Sequential requests: one pooled connection carries them all.
    expect(cutting.connections - before).toBe(1);
  });

  it('replaces a pooled connection the service closed, for a GET, on a new connection', async () => {
    const cutting = upstreams[3];
    expect((await get('/cutting/warm')).status).toBe(200);
    cutting.cutReusedConnections = true;
    try {
      const before = cutting.connections;
      const response = await get('/cutting/after-idle');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ instance: 'cutting', url: '/after-idle' });
      expect(cutting.connections - before).toBe(1);
    } finally {
      cutting.cutReusedConnections = false;
    }
  });

  it('does not replay a POST that met a closed pooled connection: 502', async () => {
    const cutting = upstreams[3];
    expect((await get('/cutting/warm')).status).toBe(200);
    cutting.cutReusedConnections = true;
    try {
      const response = await get('/cutting/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(502);
      expect(response.body).toMatchObject({ code: 'GATEWAY.UPSTREAM_FAILED' });
    } finally {
      cutting.cutReusedConnections = false;
    }
  });

  it('fails no idempotent request when an instance dies mid-run', async () => {
    const results: Array<{ status: number; instance?: string }> = [];
    for (let i = 0; i < 40; i += 1) {
      if (i === 10) await kill(upstreams[1]); // b dies while still registered
      const response = await get('/echo/run');
      results.push({ status: response.status, instance: response.body.instance });
    }
    expect(results.filter((result) => result.status !== 200)).toEqual([]);
    expect(results.slice(12).every((result) => result.instance === 'a')).toBe(true);
  });

  it('does not retry a POST on another instance: the dead one answers 502', async () => {
    const live = await startUpstream('live');
    const dead = await startUpstream('dead');
    upstreams.push(live);
    await kill(dead);
    await register(eurekaUrl, 'MIXED', live);
    await register(eurekaUrl, 'MIXED', dead);
    const discovery = gateway.get(DiscoveryClient);
    await eventually(
      'both MIXED instances to be listed',
      async () => {
        await discovery.refresh();
        return discovery.getInstances('MIXED').length === 2;
      },
      10_000,
    );
    const statuses: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      const response = await get('/mixed/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      statuses.push(response.status);
      if (response.status === 502)
        expect(response.body).toMatchObject({ code: 'GATEWAY.UPSTREAM_FAILED' });
    }
    // One POST hit the dead instance and failed rather than being replayed; the next one
    // skipped the instance that had just refused.
    expect(statuses.sort()).toEqual([200, 502]);
  });

  it('limits requests per client with a JSON 429', async () => {
    const { app: limited } = await createApp(gatewayApp, {
      PORT: '1',
      LOG_LEVEL: 'silent',
      EUREKA_ENABLED: 'false',
      GATEWAY_RATE_LIMIT: '3',
    });
    await limited.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${((limited.getHttpServer() as Server).address() as AddressInfo).port}`;
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await fetch(`${url}/actuator/routes`)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limitedResponse = await fetch(`${url}/actuator/routes`);
      expect(await limitedResponse.json()).toMatchObject({
        statusCode: 429,
        code: 'GATEWAY.RATE_LIMITED',
      });
      expect((await fetch(`${url}/actuator/health`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
