import {
  escapeHtml,
  formatDuration,
  renderDashboard,
  safeHref,
  type DashboardModel,
} from './dashboard.view';
import type { InstanceRecord, Registration } from './registry.model';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function record(
  overrides: Partial<Registration> = {},
  extra: Partial<InstanceRecord> = {},
): InstanceRecord {
  const registration: Registration = {
    instanceId: '127.0.0.1:accounts:8085',
    app: 'ACCOUNTS',
    hostName: '127.0.0.1',
    ipAddr: '127.0.0.1',
    status: 'UP',
    port: { $: 8085, '@enabled': 'true' },
    securePort: { $: 443, '@enabled': 'false' },
    countryId: 1,
    dataCenterInfo: { '@class': 'x', name: 'MyOwn' },
    leaseInfo: {},
    metadata: {},
    statusPageUrl: 'http://127.0.0.1:8085/actuator/info',
    healthCheckUrl: 'http://127.0.0.1:8085/actuator/health',
    ...overrides,
  };
  return {
    registration,
    reportedStatus: registration.status,
    lease: {
      registrationTimestamp: NOW - 3_723_000,
      lastRenewalTimestamp: NOW - 4_000,
      serviceUpTimestamp: NOW - 3_723_000,
      durationMs: 90_000,
      renewalIntervalMs: 30_000,
    },
    lastUpdatedTimestamp: NOW,
    lastDirtyTimestamp: NOW,
    actionType: 'ADDED',
    ...extra,
  };
}

function model(records: InstanceRecord[], overrides: Partial<DashboardModel> = {}): DashboardModel {
  return {
    now: NOW,
    environment: 'test',
    version: '0.1.0',
    nodeVersion: 'v20.0.0',
    startedAt: NOW - 60_000,
    leaseDurationMs: 90_000,
    evictionIntervalMs: 60_000,
    refreshSeconds: 15,
    peers: [],
    records,
    ...overrides,
  };
}

describe('escapeHtml and safeHref', () => {
  it('escapes every HTML-significant character', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it.each([
    ['http://10.0.0.1:8085/actuator/info', 'http://10.0.0.1:8085/actuator/info'],
    ['https://accounts.example/x', 'https://accounts.example/x'],
    ['javascript:alert(1)', undefined],
    ['data:text/html,<b>x</b>', undefined],
    ['not a url', undefined],
    [undefined, undefined],
  ])('%j → %j', (url, href) => {
    expect(safeHref(url)).toBe(href);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [-5_000, '0 s'],
    [45_900, '45 s'],
    [303_000, '5 min 03 s'],
    [3_723_000, '1 h 02 min'],
    [3 * 86_400_000 + 4 * 3_600_000, '3 d 4 h'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('renderDashboard', () => {
  it('lists each application with its status, instances, uptime and last renewal', () => {
    const html = renderDashboard(
      model([
        record(),
        record(
          {
            app: 'ORDERS',
            instanceId: '127.0.0.1:orders:8090',
            port: { $: 8090, '@enabled': 'true' },
          },
          { override: 'OUT_OF_SERVICE' },
        ),
      ]),
    );
    expect(html).toMatch(
      /<tr data-app="ACCOUNTS" data-status="UP"><th scope="row">ACCOUNTS<\/th><td class="num">1<\/td>/,
    );
    expect(html).toContain(
      '<span class="status status-up">UP (1)</span> <a href="http://127.0.0.1:8085/actuator/info">127.0.0.1:accounts:8085</a>',
    );
    expect(html).toMatch(/<tr data-app="ORDERS" data-status="OUT_OF_SERVICE">/);
    expect(html).toContain('OUT_OF_SERVICE (override)');
    expect(html).toContain('<td title="up since 2026-01-01 10:57:57 UTC">1 h 02 min</td>');
    expect(html).toContain('4 s ago');
    expect(html).toContain('in 1 min 26 s');
    expect(html).toContain('1 of 2 instance(s) UP');
    expect(html).toContain('<meta http-equiv="refresh" content="15">');
  });

  it('escapes everything an instance chose itself', () => {
    const html = renderDashboard(
      model([
        record({
          app: '<SCRIPT>',
          instanceId: '<img src=x onerror=alert(1)>',
          hostName: '"><b>',
          statusPageUrl: 'javascript:alert(1)',
        }),
      ]),
    );
    expect(html).not.toContain('<SCRIPT>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('"><b>');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('says so when nothing is registered, and can turn the refresh off', () => {
    const html = renderDashboard(model([], { refreshSeconds: 0 }));
    expect(html).toContain('No instances registered yet.');
    expect(html).not.toContain('http-equiv="refresh"');
  });

  it.each([
    [{ url: 'http://r2:8761/eureka', pending: 0 }, 'IDLE'],
    [
      { url: 'http://r2:8761/eureka', pending: 0, lastSuccessAt: NOW - 2_000 },
      'OK</span> last replicated 2 s ago',
    ],
    [
      {
        url: 'http://r2:8761/eureka',
        pending: 3,
        lastSuccessAt: NOW - 9_000,
        lastFailureAt: NOW - 1_000,
        lastError: 'fetch failed <x>',
      },
      'FAILING</span> fetch failed &lt;x&gt; (3 pending)',
    ],
  ])('shows replica %j as %s', (peer, text) => {
    expect(renderDashboard(model([], { peers: [peer] }))).toContain(text);
  });
});
