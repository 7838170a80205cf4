import { type Infra, ensureInfra } from './infra';

/** Where global teardown (same process as setup, unlike the test workers) finds the handle. */
export const INFRA_HANDLE = Symbol.for('storefront.jest.infra');

type WithInfra = typeof globalThis & { [INFRA_HANDLE]?: Infra };

/**
 * Integration tests run against a real Kafka broker and FerretDB: reused when already
 * running or named by KAFKA_BROKERS / MONGO_URL, otherwise provisioned and started here.
 * Workers are forked after this runs, so the env vars below reach every test file.
 */
export default async function globalSetup(): Promise<void> {
  const infra = await ensureInfra({ profile: 'test' });
  process.env.KAFKA_BROKERS = infra.kafkaBrokers.join(',');
  process.env.MONGO_URL = infra.mongoUrl;
  // In-process test apps must not register in a registry a developer's `npm start` may be running;
  // tests about discovery turn it on explicitly.
  process.env.EUREKA_ENABLED ??= 'false';
  (globalThis as WithInfra)[INFRA_HANDLE] = infra;
}
