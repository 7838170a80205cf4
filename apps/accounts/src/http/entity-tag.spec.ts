import { entityTag, expectedVersion } from './entity-tag';

describe('expectedVersion', () => {
  it.each<[string | undefined, number | undefined, number | undefined]>([
    [undefined, undefined, undefined],
    ['*', undefined, undefined],
    ['"3"', undefined, 3],
    ['W/"3"', undefined, 3],
    ['3', undefined, 3],
    [undefined, 4, 4],
    ['"4"', 4, 4],
  ])('If-Match %s with body version %s expects %s', (ifMatch, body, expected) => {
    expect(expectedVersion(ifMatch, body)).toEqual({ ok: true, value: expected });
  });

  it.each<[string | undefined, number | undefined, string]>([
    ['"abc"', undefined, 'If-Match'],
    ['"3", "4"', undefined, 'If-Match'],
    ['"3"', 4, 'version'],
  ])('refuses If-Match %s with body version %s, naming %s', (ifMatch, body, field) => {
    expect(expectedVersion(ifMatch, body)).toMatchObject({ ok: false, field });
  });

  it('round-trips the ETag it emits', () => {
    expect(expectedVersion(entityTag(12), undefined)).toEqual({ ok: true, value: 12 });
  });
});
