import type { Infra } from './infra';
import { INFRA_HANDLE } from './jest-global-setup';

type WithInfra = typeof globalThis & { [INFRA_HANDLE]?: Infra };

/** Stops only what global setup started; reused servers keep running. */
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as WithInfra;
  const infra = holder[INFRA_HANDLE];
  delete holder[INFRA_HANDLE];
  await infra?.stop();
}
