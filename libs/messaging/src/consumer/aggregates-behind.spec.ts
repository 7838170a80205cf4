import { AggregatesBehind } from './aggregates-behind';

describe('AggregatesBehind', () => {
  it('counts an aggregate from its failed event until an event at that version or later is handled', () => {
    const behind = new AggregatesBehind();
    behind.failed('t', 'a', 3);
    behind.failed('t', 'b', 1);
    behind.failed('u', 'a', 7);
    expect(behind.counts()).toEqual(
      new Map([
        ['t', 2],
        ['u', 1],
      ]),
    );
    // An older event handled (stale or late) does not catch the aggregate up.
    behind.handled('t', 'a', 2);
    expect(behind.counts().get('t')).toBe(2);
    behind.handled('t', 'a', 3);
    behind.handled('t', 'b', 5);
    expect(behind.counts().get('t')).toBe(0);
    expect(behind.counts().get('u')).toBe(1);
  });

  it('keeps the newest version that failed', () => {
    const behind = new AggregatesBehind();
    behind.failed('t', 'a', 4);
    behind.failed('t', 'a', 2);
    behind.handled('t', 'a', 3);
    expect(behind.counts().get('t')).toBe(1);
    behind.handled('t', 'a', 4);
    expect(behind.counts().get('t')).toBe(0);
  });

  it('forgets nothing it was not told about: handling a key never seen failing is a no-op', () => {
    const behind = new AggregatesBehind();
    behind.handled('t', 'x', 1);
    expect(behind.counts().size).toBe(0);
  });
});
