import {
  childTraceparent,
  isValidTraceparent,
  newTraceparent,
  parseTraceparent,
} from './trace-context';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace context', () => {
  it('starts a new sampled trace with random ids', () => {
    const first = newTraceparent();
    expect(first).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(isValidTraceparent(first)).toBe(true);
    expect(parseTraceparent(newTraceparent())?.traceId).not.toBe(parseTraceparent(first)?.traceId);
  });

  it('parses the parts of a traceparent', () => {
    expect(parseTraceparent(PARENT)).toEqual({
      version: '00',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentId: '00f067aa0ba902b7',
      flags: '01',
    });
  });

  it.each([
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01'],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01'],
    ['a B3 header', '4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1'],
    ['nothing', ''],
  ])('refuses %s', (_label, value) => {
    expect(isValidTraceparent(value)).toBe(false);
  });

  it('continues the trace of a parent with a new span id and the same flags', () => {
    const child = parseTraceparent(
      childTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00'),
    );
    expect(child).toMatchObject({
      version: '00',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      flags: '00',
    });
    expect(child?.parentId).not.toBe('00f067aa0ba902b7');
  });

  it.each([
    ['malformed', 'garbage'],
    ['missing', undefined],
  ])(
    'starts a new trace when the parent is %s, rather than failing the message',
    (_label, parent) => {
      const child = childTraceparent(parent);
      expect(isValidTraceparent(child)).toBe(true);
      expect(parseTraceparent(child)?.traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    },
  );
});
