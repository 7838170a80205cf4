import { MachineWatch } from './machine-watch';

/** Spins the CPU for `ms` of wall time (which, alone on a core, is about as much CPU time). */
function burn(ms: number): void {
  const until = Date.now() + ms;
  let x = 0;
  while (Date.now() < until) x += Math.sqrt(x + 1);
}

describe('MachineWatch', () => {
  it('adds up the CPU seconds a process used, by label, and samples the load', () => {
    const watch = new MachineWatch(() => [{ label: 'this test', pid: process.pid }]);
    watch.start();
    const before = watch.report(Date.now()).cpuSeconds['this test'];
    burn(400);
    watch.stop();
    const report = watch.report(Date.now());
    expect(report.cpuSeconds['this test'] - before).toBeGreaterThanOrEqual(0.1);
    expect(report.samples.length).toBe(2);
    expect(report.cores).toBeGreaterThan(0);
    expect(watch.loadMax(0, Date.now())).toBe(report.load1.max);
  });

  it('skips a process that is gone or not started yet', () => {
    const watch = new MachineWatch(() => [
      { label: 'gone', pid: 2 ** 22 + 1 },
      { label: 'not yet', pid: undefined },
    ]);
    watch.start();
    watch.stop();
    expect(watch.report(Date.now()).cpuSeconds).toEqual({});
  });
});
