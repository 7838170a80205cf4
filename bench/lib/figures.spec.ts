import type { BenchResults } from '../run';
import type { PropagationStep } from '../suites/propagation';
import {
  cpuMsPerChange,
  isCompleteRun,
  keyFigures,
  previousCompleteRun,
  runOrder,
  TARGETS,
} from './figures';

type Step = Pick<PropagationStep, 'durationSeconds' | 'achievedPerSecond' | 'cpu'>;

const step = (overrides: Partial<Step> = {}): Step => ({
  durationSeconds: 10,
  achievedPerSecond: 100,
  cpu: {
    processes: { accounts: 50, ferretdb: 40, kafka: 10, bench: 30 },
    machineBusyPercent: 80,
    cores: 2,
  },
  ...overrides,
});

/**
 * A run's results with only what the figures read (a results file holds much more): a floor of
 * 900 updates/s, propagation sustained at 400/s, 20 orders/s, two history windows, one gateway
 * endpoint. `suites` replaces the suites given.
 */
function run(
  overrides: Partial<Omit<BenchResults, 'suites'>> & { suites?: Record<string, unknown> } = {},
): BenchResults {
  const { suites, ...rest } = overrides;
  return {
    secure: false,
    servers: { kafka: 'own broker 127.0.0.1:1', mongo: 'own FerretDB (SQLite backend)' },
    ...rest,
    suites: {
      floor: {
        result: {
          database: {
            sizes: [
              { documents: 100, concurrentUpdates: { writesPerSecond: 500 } },
              { documents: 1000, concurrentUpdates: { writesPerSecond: 900 } },
            ],
          },
        },
      },
      propagation: {
        result: {
          highestSustainedPerSecond: 400,
          steps: [
            { ratePerSecond: 50, sustained: true, occurredToApplied: { p99Ms: 30 }, ...step() },
            { ratePerSecond: 200, sustained: true, occurredToApplied: { p99Ms: 80 }, ...step() },
            {
              ratePerSecond: 400,
              sustained: true,
              occurredToApplied: { p99Ms: 120 },
              ...step({ achievedPerSecond: 400 }),
            },
          ],
        },
      },
      lifecycle: {
        result: {
          settings: { writesPerOrder: 18 },
          window: { ordersPerSecond: 20 },
          histories: [
            { earlierOrders: 200, window: { ordersPerSecond: 16 } },
            { earlierOrders: 1, window: { ordersPerSecond: 20 } },
          ],
          check: { lost: 0, doubled: 1 },
          messaging: { 'fulfillment.messaging_dead_lettered_total': 2 },
        },
      },
      gateway: {
        result: {
          endpoints: [
            {
              endpoint: '/actuator/info',
              gateway: { requestsPerSecond: 1500 },
              gatewayVsDirect: 0.6,
              gatewayVsNginx: 0.75,
            },
          ],
        },
      },
      ...suites,
    },
  } as unknown as BenchResults;
}

describe('cpuMsPerChange', () => {
  it("divides each process's CPU time over the step by the changes committed in it, the bench's own aside", () => {
    // 10 s at 100 changes/s: 1,000 changes; accounts at 50 % of a core used 5,000 ms.
    const cpu = cpuMsPerChange(step());
    expect(cpu?.byProcess).toEqual({ accounts: 5, ferretdb: 4, kafka: 1 });
    expect(cpu?.total).toBeCloseTo(10);
  });

  it('takes the CPU time in ms and the window when the results record them', () => {
    const cpu = cpuMsPerChange(
      step({
        cpu: {
          processes: { accounts: 50, bench: 30 },
          ms: { accounts: 5230, bench: 3010 },
          seconds: 10.4,
          machineBusyPercent: 80,
          cores: 2,
        },
      }),
    );
    expect(cpu).toEqual({ total: 5.23, byProcess: { accounts: 5.23 } });
  });

  it('uses the window for the shares of older results that recorded it', () => {
    const cpu = cpuMsPerChange(
      step({
        cpu: { processes: { orders: 20 }, seconds: 12, machineBusyPercent: 50, cores: 2 },
      }),
    );
    expect(cpu?.total).toBeCloseTo(2.4);
  });

  it('is null for a step that committed nothing', () => {
    expect(cpuMsPerChange(step({ achievedPerSecond: 0 }))).toBeNull();
  });
});

describe('keyFigures', () => {
  it("reads each throughput against the same run's floor", () => {
    const figures = keyFigures(run());

    expect(figures).toMatchObject({
      floorUpdatesPerSecond: 900,
      propagationSustainedPerSecond: 400,
      propagationP99MsAt200: 80,
      propagationSustainedAt200: true,
      propagationCpuRatePerSecond: 400,
      lifecycleOrdersPerSecond: 20,
      lifecycleCapOrdersPerSecond: 50,
      lifecycleVsCap: 0.4,
      lifecycleLost: 0,
      lifecycleDoubled: 1,
      lifecycleDeadLetters: 2,
      historyRatio: 0.8,
      historyEarlierOrders: [1, 200],
      gateway: { '/actuator/info': { requestsPerSecond: 1500, vsDirect: 0.6, vsNginx: 0.75 } },
    });
    expect(figures.propagationSustainedVsFloor).toBeCloseTo(400 / 900);
    // At 400/s over 10 s: accounts 50 % of a core → 5,000 ms ÷ 4,000 changes.
    expect(figures.propagationCpuMsPerChange).toBeCloseTo(2.5);
  });

  it('takes the CPU per change at the lowest step when no step was sustained', () => {
    const figures = keyFigures(
      run({
        suites: {
          propagation: {
            result: {
              highestSustainedPerSecond: null,
              steps: [
                {
                  ratePerSecond: 200,
                  sustained: false,
                  occurredToApplied: { p99Ms: 900 },
                  ...step(),
                },
                {
                  ratePerSecond: 50,
                  sustained: false,
                  occurredToApplied: { p99Ms: 300 },
                  ...step(),
                },
              ],
            },
          },
        },
      }),
    );
    expect(figures.propagationSustainedPerSecond).toBe(0);
    expect(figures.propagationSustainedVsFloor).toBe(0);
    expect(figures.propagationSustainedAt200).toBe(false);
    expect(figures.propagationCpuRatePerSecond).toBe(50);
  });

  it('counts 19 writes an order in lifecycle results from before they recorded it', () => {
    const figures = keyFigures(
      run({
        suites: {
          lifecycle: {
            result: {
              settings: {},
              window: { ordersPerSecond: 9.5 },
              check: { lost: 0, doubled: 0 },
              messaging: {},
            },
          },
        },
      }),
    );
    expect(figures.lifecycleCapOrdersPerSecond).toBeCloseTo(900 / 19);
    expect(figures.lifecycleDeadLetters).toBe(0);
    expect(figures.historyRatio).toBeNull();
  });

  it('is null for what a run did not measure', () => {
    const figures = keyFigures({ suites: {} });
    expect(Object.values(figures).filter((value) => value !== null)).toEqual([{}]);
  });

  it('has the targets of issue 22', () => {
    expect(TARGETS).toMatchObject({
      propagationVsFloor: 0.5,
      propagationP99MsAt200: 100,
      propagationCpuMsPerChange: 5,
      lifecycleOrdersPerSecond: 40,
      lifecycleVsCap: 0.5,
      historyRatio: 0.8,
    });
  });
});

describe('runOrder', () => {
  it.each([
    ['2026-12-07.json', ['2026-12-07', 1]],
    ['2026-12-07-5.json', ['2026-12-07', 5]],
    ['bench/results/2026-12-07-10.json', ['2026-12-07', 10]],
    ['chaos-2026-12-07-6.json', null],
    ['audit.json', null],
    ['messaging.json', null],
  ])('%s → %j', (name, order) => {
    expect(runOrder(name)).toEqual(order);
  });
});

describe('isCompleteRun', () => {
  it.each([
    ['all four suites, open broker, SQLite', run(), true],
    ['a secure run', run({ secure: true }), false],
    [
      'the PostgreSQL backend',
      run({ servers: { kafka: 'own broker', mongo: 'own FerretDB (PostgreSQL backend)' } }),
      false,
    ],
    ['MONGO_URL', run({ servers: { kafka: 'own broker', mongo: 'MONGO_URL' } }), false],
    [
      'several backends',
      run({ dbBackends: [{ backend: 'sqlite' }, { backend: 'postgresql' }] as never }),
      false,
    ],
    ['a suite missing', run({ suites: { gateway: undefined } }), false],
    ['a suite that failed', run({ suites: { lifecycle: { error: 'boom' } } }), false],
  ])('%s', (_, results, complete) => {
    expect(isCompleteRun(results)).toBe(complete);
  });
});

describe('previousCompleteRun', () => {
  const files: Record<string, BenchResults> = {
    '2026-12-06.json': run(),
    '2026-12-06-2.json': run({ secure: true }),
    '2026-12-07.json': run(),
    '2026-12-07-4.json': run(),
    '2026-12-07-5.json': run({ suites: { floor: undefined } }),
    '2026-12-07-9.json': run({
      servers: { kafka: 'own broker', mongo: 'own FerretDB (PostgreSQL backend)' },
    }),
    // Named like a run, but not one.
    '2026-12-07-7.json': {} as BenchResults,
    '2026-12-07-10.json': run(),
    '2026-12-08.json': run(),
  };
  const names = [...Object.keys(files), 'chaos-2026-12-07-6.json', 'audit.json', 'messaging.json'];
  const read = (name: string): BenchResults => {
    const results = files[name];
    if (!results) throw new Error(`${name} is not a bench run`);
    return results;
  };
  const previous = (current: string) => previousCompleteRun(current, names, read)?.name;

  it.each([
    // -10 comes after -9 and -5: by number, not by text.
    ['2026-12-08.json', '2026-12-07-10.json'],
    // -9 is PostgreSQL, -7 has no suites, -5 lacks the floor.
    ['2026-12-07-10.json', '2026-12-07-4.json'],
    ['2026-12-07-5.json', '2026-12-07-4.json'],
    ['2026-12-07-4.json', '2026-12-07.json'],
    // -2 is secure.
    ['2026-12-07.json', '2026-12-06.json'],
    ['2026-12-09-3.json', '2026-12-08.json'],
  ])('of %s is %s', (current, expected) => {
    expect(previous(current)).toBe(expected);
  });

  it('is none for the first run, and for a file that is not a bench run', () => {
    expect(previous('2026-12-06.json')).toBeUndefined();
    expect(previous('chaos-2026-12-08.json')).toBeUndefined();
  });

  it('skips a file it cannot read', () => {
    const unreadable = (name: string): BenchResults => {
      if (name === '2026-12-07-10.json') throw new SyntaxError('Unexpected end of JSON input');
      return read(name);
    };
    expect(previousCompleteRun('2026-12-08.json', names, unreadable)?.name).toBe(
      '2026-12-07-4.json',
    );
  });
});
