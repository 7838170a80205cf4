/**
 * The second attacker of the stack test: a container on the stack's network that registers
 * itself with the registry as an instance of a service, without credentials, then listens on
 * the port it announced and counts the requests it gets. Prints JSON lines:
 * `{"event":"registration","status":401,"instanceId":"…"}` once it asked, then
 * `{"event":"done","hits":0}` after `--seconds`.
 *
 *   tsx tools/stack/test/rogue-instance.ts --registry http://registry:8761/eureka
 *     --app ACCOUNTS --port 8085 --seconds 20 [--network-prefix 10.231.0.]
 */
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';

function ownAddress(prefix: string): string {
  const addresses = Object.values(os.networkInterfaces())
    .flat()
    .filter((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)
    .map((entry) => entry!.address);
  return addresses.find((address) => address.startsWith(prefix)) ?? addresses[0] ?? '127.0.0.1';
}

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      registry: { type: 'string', default: 'http://registry:8761/eureka' },
      app: { type: 'string', default: 'ACCOUNTS' },
      port: { type: 'string', default: '8085' },
      seconds: { type: 'string', default: '20' },
      'network-prefix': { type: 'string', default: '10.231.0.' },
    },
  });
  const port = Number(values.port);
  const ip = ownAddress(values['network-prefix']);
  let hits = 0;
  const server = http.createServer((request, response) => {
    hits += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"rogue":true}');
  });
  await new Promise<void>((resolve) => server.listen(port, '0.0.0.0', resolve));

  const app = values.app.toUpperCase();
  const instanceId = `${ip}:${app.toLowerCase()}:${port}`;
  const response = await fetch(`${values.registry}/apps/${app}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      instance: {
        instanceId,
        hostName: ip,
        app,
        ipAddr: ip,
        status: 'UP',
        port: { $: port, '@enabled': 'true' },
        securePort: { $: 443, '@enabled': 'false' },
        vipAddress: app.toLowerCase(),
        dataCenterInfo: {
          '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
          name: 'MyOwn',
        },
        statusPageUrl: `http://${ip}:${port}/actuator/info`,
        healthCheckUrl: `http://${ip}:${port}/actuator/health`,
      },
    }),
  });
  print({ event: 'registration', status: response.status, instanceId });

  await new Promise((resolve) => setTimeout(resolve, Number(values.seconds) * 1000));
  print({ event: 'done', hits });
  server.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`rogue-instance: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
