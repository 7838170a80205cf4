import {
  contractBreaches,
  type CustomerLedger,
  faultAt,
  judgeCustomer,
  judgeHistory,
  LIFECYCLE,
  pickTarget,
  planFaults,
} from './chaos.rules';

const SETTINGS = {
  durationMs: 180_000,
  leadMs: 15_000,
  tailMs: 25_000,
  counts: { 'app-kill': 4, 'app-stop': 1, 'broker-kill': 2, 'db-kill': 2 },
} as const;

describe('planFaults', () => {
  it('gives the same schedule for the same seed, another for another seed', () => {
    expect(planFaults(7, SETTINGS)).toEqual(planFaults(7, SETTINGS));
    expect(planFaults(7, SETTINGS)).not.toEqual(planFaults(8, SETTINGS));
  });

  it('plans every fault asked for, inside the window, in time order', () => {
    const plan = planFaults(42, SETTINGS);
    const count = (kind: string) => plan.filter((f) => f.kind === kind).length;
    expect([count('app-kill'), count('app-stop'), count('broker-kill'), count('db-kill')]).toEqual([
      4, 1, 2, 2,
    ]);
    expect(plan.every((f) => f.atMs >= 15_000 && f.atMs <= 155_000)).toBe(true);
    expect(plan.map((f) => f.atMs)).toEqual([...plan.map((f) => f.atMs)].sort((a, b) => a - b));
  });

  it('never plans two faults other than app kills in the same slot', () => {
    const plan = planFaults(3, SETTINGS).filter((f) => f.kind !== 'app-kill');
    const slot = (155_000 - 15_000) / plan.length;
    plan.forEach((fault, i) => {
      expect(fault.atMs).toBeGreaterThanOrEqual(15_000 + slot * i);
      expect(fault.atMs).toBeLessThan(15_000 + slot * (i + 1));
    });
  });
});

describe('pickTarget', () => {
  it.each([
    [0, 'a'],
    [0.34, 'b'],
    [0.999, 'c'],
  ])('maps pick %p onto %p of three', (pick, expected) => {
    expect(pickTarget(pick, ['a', 'b', 'c'])).toBe(expected);
  });

  it('has nothing to pick from an empty list', () => {
    expect(pickTarget(0.5, [])).toBeUndefined();
  });
});

describe('judgeHistory', () => {
  const all = [...LIFECYCLE];
  it.each([
    ['a complete walk, exact', all, 6, true, []],
    [
      'a complete walk missing SHIPPED',
      all.filter((s) => s !== 'SHIPPED'),
      6,
      true,
      ['lost', 'wrong'],
    ],
    ['a status twice', [...all.slice(0, 3), 'PROCESSING', ...all.slice(3)], 6, true, ['doubled']],
    ['out of order', ['CREATED', 'APPROVED', 'SHIPPED', 'PROCESSING'], 4, false, ['wrong']],
    ['abandoned at ship, its status applied anyway', all.slice(0, 4), 3, false, []],
    ['abandoned, an acknowledged status missing', all.slice(0, 2), 3, false, ['lost']],
  ])('%s', (_, history, acked, complete, problems) => {
    expect(judgeHistory(history, acked, complete)).toEqual(problems);
  });
});

describe('judgeCustomer', () => {
  const ledger = (over: Partial<CustomerLedger> = {}): CustomerLedger => ({
    id: 'c1',
    ackedName: 'Chaos2',
    uncertainNames: ['Chaos3'],
    deleted: 'no',
    ...over,
  });
  const live = (firstName: string, version = 2) => ({ firstName, deleted: false, version });
  const gone = { deleted: true, version: 3 };

  it.each([
    ['in sync at the acknowledged name', ledger(), live('Chaos2'), live('Chaos2'), 0],
    ['an unanswered patch that applied', ledger(), live('Chaos3', 3), live('Chaos3', 3), 0],
    ['an acknowledged patch lost', ledger(), live('Chaos1'), live('Chaos1'), 1],
    ['replica behind its owner', ledger(), live('Chaos2', 2), live('Chaos1', 1), 1],
    ['replica missing', ledger(), live('Chaos2'), null, 1],
    ['owner missing', ledger(), null, null, 1],
    ['an acknowledged delete, applied everywhere', ledger({ deleted: 'acked' }), gone, gone, 0],
    [
      'an acknowledged delete lost',
      ledger({ deleted: 'acked' }),
      live('Chaos2'),
      live('Chaos2'),
      1,
    ],
    ['a delete, replica still live', ledger({ deleted: 'acked' }), gone, live('Chaos2'), 1],
    [
      'an unanswered delete that did not apply',
      ledger({ deleted: 'uncertain' }),
      live('Chaos2'),
      live('Chaos2'),
      0,
    ],
  ])('%s', (_, customer, owner, replica, problems) => {
    expect(judgeCustomer(customer, owner, replica)).toHaveLength(problems);
  });
});

describe('faultAt', () => {
  const windows = [
    { kind: 'broker-kill' as const, from: 100, to: 200 },
    { kind: 'app-kill' as const, from: 150, to: 160 },
  ];
  it.each([
    [50, 'none'],
    [120, 'broker-kill'],
    [155, 'app-kill'],
    [170, 'broker-kill'],
  ])('at %p: %p', (at, kind) => {
    expect(faultAt(at, windows)).toBe(kind);
  });
});

describe('contractBreaches', () => {
  it('has nothing to say of a client that only saw JSON 502/503/504 and refusals', () => {
    expect(contractBreaches({ hung: 0, notJson: 0, otherServerErrors: 0 })).toEqual([]);
  });

  it('names each kind of breach with its count', () => {
    expect(contractBreaches({ hung: 2, notJson: 1, otherServerErrors: 3 })).toEqual([
      '2 requests left without an answer',
      '1 error answers without a JSON body',
      '3 server errors other than 502/503/504',
    ]);
  });
});
