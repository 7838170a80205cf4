import { eventually } from './eventually';

describe('eventually', () => {
  it('returns the first value the probe yields', async () => {
    let calls = 0;
    await expect(eventually('the third call', () => (++calls >= 3 ? calls : false))).resolves.toBe(
      3,
    );
  });

  it('keeps polling through null, undefined and false', async () => {
    const answers = [null, undefined, false, 'done'];
    await expect(eventually('an answer', () => answers.shift())).resolves.toBe('done');
  });

  it('on timeout names what was awaited and the last value the probe returned', async () => {
    let n = 0;
    await expect(
      eventually('the count to reach 100', () => (n += 1) >= 100 && n, {
        timeoutMs: 120,
        intervalMs: 10,
        detail: () => 'server log tail',
      }),
    ).rejects.toThrow(
      /timed out after 120 ms waiting for the count to reach 100\nlast value: false\nserver log tail/,
    );
  });

  it('stops at once when the probe throws, naming what was awaited and the error', async () => {
    let calls = 0;
    const failure = eventually('the server to answer', () => {
      calls += 1;
      throw new Error('the server process exited with code 1');
    });
    await expect(failure).rejects.toThrow(
      'while waiting for the server to answer, the probe failed: the server process exited with code 1',
    );
    expect(calls).toBe(1);
  });
});
