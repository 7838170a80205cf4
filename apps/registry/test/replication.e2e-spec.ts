/**
 * Two registry replicas peered with each other (EUREKA_PEERS), as the stack runs them:
 * what a client does on one shows on the other.
 */
import type { Eureka } from 'eureka-js-client';
import { eventually } from '@storefront/testing';
import {
  eurekaClient,
  findInstance,
  freePort,
  type RunningRegistry,
  startClient,
  startRegistry,
  stopClient,
} from './registry-test-kit';

describe('replication between two registries', () => {
  let first: RunningRegistry;
  let second: RunningRegistry;
  const clients: Eureka[] = [];
  let nextPort = 42_000;

  function clientOf(registry: RunningRegistry, app: string): Eureka {
    const created = eurekaClient(registry.eurekaUrl, { app, port: nextPort++ });
    clients.push(created);
    return created;
  }

  beforeAll(async () => {
    const [firstPort, secondPort] = [await freePort(), await freePort()];
    first = await startRegistry(
      { EUREKA_PEERS: `http://127.0.0.1:${secondPort}/eureka` },
      firstPort,
    );
    second = await startRegistry(
      { EUREKA_PEERS: `http://127.0.0.1:${firstPort}/eureka/` },
      secondPort,
    );
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(stopClient));
  });

  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
  });

  it('a registration on one appears on the other, and a deregistration leaves both', async () => {
    const accounts = clientOf(first, 'accounts');
    await startClient(accounts);

    const replicated = await eventually('the instance on the second registry', () =>
      findInstance(second.eurekaUrl, accounts.instanceId),
    );
    expect(replicated).toMatchObject({
      app: 'ACCOUNTS',
      status: 'UP',
      port: { $: accounts.config.instance.port.$, '@enabled': 'true' },
      vipAddress: 'accounts',
    });

    await stopClient(accounts);
    clients.splice(clients.indexOf(accounts), 1);

    await eventually(
      'the instance to leave the second registry',
      async () => (await findInstance(second.eurekaUrl, accounts.instanceId)) === undefined,
    );
  });

  it('replicates status overrides both ways without echoing them back', async () => {
    const orders = clientOf(second, 'orders');
    await startClient(orders);
    await eventually('replication', () => findInstance(first.eurekaUrl, orders.instanceId));
    const replicate = jest.spyOn(second.service, 'setStatusOverride');

    await fetch(`${first.eurekaUrl}/apps/ORDERS/${orders.instanceId}/status?value=OUT_OF_SERVICE`, {
      method: 'PUT',
    });

    await eventually(
      'the override on the second registry',
      async () =>
        (await findInstance(second.eurekaUrl, orders.instanceId))?.status === 'OUT_OF_SERVICE',
    );
    // The second registry applied it as a peer's write, so it did not forward it again.
    expect(replicate).toHaveBeenCalledWith('ORDERS', orders.instanceId, 'OUT_OF_SERVICE', 'peer');
    replicate.mockRestore();
  });

  it('a peer that lost an instance gets its registration back with the next heartbeat', async () => {
    const fulfillment = eurekaClient(first.eurekaUrl, {
      app: 'fulfillment',
      port: nextPort++,
      heartbeatInterval: 200,
    });
    clients.push(fulfillment);
    await startClient(fulfillment);
    await eventually('replication', () => findInstance(second.eurekaUrl, fulfillment.instanceId));

    // Removed on the second registry only (a replicated write, so the first keeps it).
    await fetch(`${second.eurekaUrl}/apps/FULFILLMENT/${fulfillment.instanceId}`, {
      method: 'DELETE',
      headers: { 'x-netflix-discovery-replication': 'true' },
    });
    await expect(findInstance(second.eurekaUrl, fulfillment.instanceId)).resolves.toBeUndefined();

    await eventually('the second registry to learn it again from a replicated heartbeat', () =>
      findInstance(second.eurekaUrl, fulfillment.instanceId),
    );
  });

  it('a replica that starts later copies what its peer already knows', async () => {
    const gateway = eurekaClient(first.eurekaUrl, { app: 'gateway', port: nextPort++ });
    clients.push(gateway);
    await startClient(gateway);

    const late = await startRegistry({ EUREKA_PEERS: first.eurekaUrl });
    try {
      await eventually('the late replica to sync from its peer', () =>
        findInstance(late.eurekaUrl, gateway.instanceId),
      );
    } finally {
      await late.close();
    }
  });
});
