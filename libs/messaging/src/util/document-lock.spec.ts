import { withKeyLock } from './document-lock';

describe('withKeyLock', () => {
  it('runs calls with the same key one after another, in call order', async () => {
    const events: string[] = [];
    const task = (name: string, ms: number) =>
      withKeyLock('k', async () => {
        events.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        events.push(`${name} end`);
        return name;
      });
    await expect(Promise.all([task('a', 20), task('b', 1), task('c', 5)])).resolves.toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('lets other keys run meanwhile and releases the lock when a call fails', async () => {
    const events: string[] = [];
    let releaseSlow: () => void = () => undefined;
    const slow = withKeyLock('x', () => new Promise<void>((resolve) => (releaseSlow = resolve)));
    await withKeyLock('y', async () => events.push('y ran while x is held'));
    releaseSlow();
    await slow;
    await expect(withKeyLock('x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withKeyLock('x', async () => 'after failure')).resolves.toBe('after failure');
    expect(events).toEqual(['y ran while x is held']);
  });
});
