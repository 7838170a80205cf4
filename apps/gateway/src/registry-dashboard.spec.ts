import { dashboardUpstreamPath, givenAdminKey } from './registry-dashboard';

describe('the registry dashboard behind the gateway', () => {
  it.each([
    ['GET', '/', '/'],
    ['GET', '/eureka/apps', '/eureka/apps'],
    [
      'HEAD',
      '/eureka/apps/ACCOUNTS/127.0.0.1:accounts:8085',
      '/eureka/apps/ACCOUNTS/127.0.0.1:accounts:8085',
    ],
    ['GET', '/eureka/apps/delta?x=1', '/eureka/apps/delta?x=1'],
    ['GET', '/actuator/health', '/actuator/health'],
  ])('forwards %s %s', (method, path, expected) => {
    expect(dashboardUpstreamPath(method, path)).toBe(expected);
  });

  it.each([
    ['POST', '/eureka/apps/ACCOUNTS'],
    ['PUT', '/eureka/apps/ACCOUNTS/x'],
    ['DELETE', '/eureka/apps/ACCOUNTS/x'],
    ['GET', '/actuator/env'],
    ['GET', '/actuator/health/../env'],
    ['GET', '/eureka/../actuator/env'],
    ['GET', '/anything'],
  ])('refuses %s %s', (method, path) => {
    expect(dashboardUpstreamPath(method, path)).toBeUndefined();
  });

  it('takes the key from X-API-Key, else from the Basic password', () => {
    expect(givenAdminKey({ 'x-api-key': 'k' })).toBe('k');
    const basic = `Basic ${Buffer.from('admin:the-key').toString('base64')}`;
    expect(givenAdminKey({ authorization: basic })).toBe('the-key');
    expect(givenAdminKey({})).toBeUndefined();
  });
});
