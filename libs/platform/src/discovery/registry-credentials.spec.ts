import { basicAuthorization, basicCredentials } from '../http/credentials';
import { registryCredentials, splitUrlCredentials } from './registry-credentials';

describe('registry credentials', () => {
  it.each([
    ['http://registry:8761/eureka', { url: 'http://registry:8761/eureka' }],
    [
      'http://eureka:s%40cret@registry:8761/eureka',
      {
        url: 'http://registry:8761/eureka',
        credentials: { username: 'eureka', password: 's@cret' },
      },
    ],
    [
      'http://user:pw@127.0.0.1:8761/eureka/',
      { url: 'http://127.0.0.1:8761/eureka', credentials: { username: 'user', password: 'pw' } },
    ],
  ])('splits %s into a bare URL and its credentials', (raw, expected) => {
    expect(splitUrlCredentials(raw)).toEqual(expected);
  });

  it('prefers the configured password, else the first URL that carries credentials', () => {
    const urls = ['http://a:8761/eureka', 'http://u:p@b:8761/eureka'];
    expect(registryCredentials(urls, undefined, undefined)).toEqual({
      urls: ['http://a:8761/eureka', 'http://b:8761/eureka'],
      credentials: { username: 'u', password: 'p' },
    });
    expect(registryCredentials(urls, 'svc', 'configured').credentials).toEqual({
      username: 'svc',
      password: 'configured',
    });
    expect(registryCredentials(['http://a/eureka'], undefined, 'x').credentials).toEqual({
      username: 'eureka',
      password: 'x',
    });
    expect(
      registryCredentials(['http://a/eureka'], undefined, undefined).credentials,
    ).toBeUndefined();
  });

  it('reads back what it writes as an Authorization header, passwords with colons included', () => {
    const header = basicAuthorization({ username: 'eureka', password: 'a:b:c' });
    expect(basicCredentials(header)).toEqual({ username: 'eureka', password: 'a:b:c' });
    expect(basicCredentials('Bearer x')).toBeUndefined();
    expect(basicCredentials(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
    expect(basicCredentials(undefined)).toBeUndefined();
  });
});
