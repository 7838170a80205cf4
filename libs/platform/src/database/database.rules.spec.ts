import { monitorWedged } from './database.rules';

describe('monitorWedged', () => {
  const timings = { MONGO_HEARTBEAT_MS: 10_000, MONGO_CONNECT_TIMEOUT_MS: 10_000 };

  it.each([
    ['a silent monitor while the server is unknown', 30_001, true, true],
    ['silence no longer than a heartbeat can take', 30_000, true, false],
    ['a monitor that reported recently', 1_000, true, false],
    ['a silent monitor while the server is known (nothing to heal)', 120_000, false, false],
  ])('%s', (_what, silentMs, unknown, wedged) => {
    expect(monitorWedged(timings, silentMs, unknown)).toBe(wedged);
  });
});
