/**
 * The dashboard page, rendered on the server as plain HTML: it reads without JavaScript, and
 * every value that came from a registration goes through `escapeHtml` (instances choose their
 * own names, URLs and metadata, so the page must not trust them).
 */
import { effectiveStatus, expiresIn } from './lease.rules';
import { type InstanceRecord, type InstanceStatus } from './registry.model';

export interface DashboardPeer {
  url: string;
  lastSuccessAt?: number;
  lastFailureAt?: number;
  lastError?: string;
  pending: number;
}

export interface DashboardModel {
  now: number;
  environment: string;
  version: string;
  nodeVersion: string;
  startedAt: number;
  leaseDurationMs: number;
  evictionIntervalMs: number;
  refreshSeconds: number;
  peers: DashboardPeer[];
  records: InstanceRecord[];
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string | number | undefined): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/** Only http(s) URLs become links; anything else (javascript:, data:) is shown as text. */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** `45 s`, `5 min 03 s`, `2 h 05 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${pad(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${pad(minutes % 60)} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function statusBadge(status: InstanceStatus, suffix = ''): string {
  const css = status.toLowerCase().replace(/_/g, '-');
  return `<span class="status status-${css}">${escapeHtml(status)}${escapeHtml(suffix)}</span>`;
}

function link(text: string, url: string | undefined): string {
  const href = safeHref(url);
  return href ? `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>` : escapeHtml(text);
}

function time(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

interface Row {
  record: InstanceRecord;
  status: InstanceStatus;
}

function byApp(records: InstanceRecord[]): Array<[string, Row[]]> {
  const apps = new Map<string, Row[]>();
  for (const record of records) {
    const rows = apps.get(record.registration.app) ?? [];
    rows.push({ record, status: effectiveStatus(record.reportedStatus, record.override) });
    apps.set(record.registration.app, rows);
  }
  return [...apps.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([app, rows]) => [
      app,
      rows.sort((a, b) =>
        a.record.registration.instanceId.localeCompare(b.record.registration.instanceId),
      ),
    ]);
}

function applicationsTable(apps: Array<[string, Row[]]>): string {
  if (apps.length === 0) {
    return '<p class="empty">No instances registered yet.</p>';
  }
  const rows = apps.map(([app, instances]) => {
    const groups = new Map<InstanceStatus, Row[]>();
    for (const row of instances) groups.set(row.status, [...(groups.get(row.status) ?? []), row]);
    const statuses = [...groups.entries()]
      .map(
        ([status, members]) =>
          `<div class="group">${statusBadge(status, ` (${members.length})`)} ${members
            .map((row) =>
              link(row.record.registration.instanceId, row.record.registration.statusPageUrl),
            )
            .join(', ')}</div>`,
      )
      .join('');
    const overall = groups.has('UP') ? 'UP' : ([...groups.keys()][0] ?? 'UNKNOWN');
    return `<tr data-app="${escapeHtml(app)}" data-status="${escapeHtml(overall)}"><th scope="row">${escapeHtml(app)}</th><td class="num">${instances.length}</td><td>${statuses}</td></tr>`;
  });
  return `<table class="grid apps"><thead><tr><th scope="col">Application</th><th scope="col">Instances</th><th scope="col">Status</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function instancesTable(apps: Array<[string, Row[]]>, now: number): string {
  const rows = apps.flatMap(([app, instances]) =>
    instances.map(({ record, status }) => {
      const r = record.registration;
      const left = expiresIn(record.lease, now);
      return `<tr data-instance="${escapeHtml(r.instanceId)}"><td>${escapeHtml(app)}</td><td>${link(r.instanceId, r.statusPageUrl)}</td><td>${statusBadge(status, record.override ? ' (override)' : '')}</td><td>${escapeHtml(`${r.hostName}:${r.port.$}`)}</td><td title="up since ${escapeHtml(time(record.lease.serviceUpTimestamp))}">${escapeHtml(formatDuration(now - record.lease.serviceUpTimestamp))}</td><td title="${escapeHtml(time(record.lease.lastRenewalTimestamp))}">${escapeHtml(formatDuration(now - record.lease.lastRenewalTimestamp))} ago</td><td>${escapeHtml(left > 0 ? `in ${formatDuration(left)}` : 'expired, awaiting eviction')}</td><td>${link('health', r.healthCheckUrl)}</td></tr>`;
    }),
  );
  if (rows.length === 0) return '';
  return `<section><h2>Instances</h2><table class="grid instances"><thead><tr><th scope="col">Application</th><th scope="col">Instance ID</th><th scope="col">Status</th><th scope="col">Address</th><th scope="col">Uptime</th><th scope="col">Last renewal</th><th scope="col">Lease</th><th scope="col">Health</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function peersList(peers: DashboardPeer[], now: number): string {
  if (peers.length === 0)
    return '<p class="empty">No peers configured (EUREKA_PEERS is empty).</p>';
  const items = peers.map((peer) => {
    const failing =
      peer.lastFailureAt !== undefined &&
      (peer.lastSuccessAt === undefined || peer.lastFailureAt > peer.lastSuccessAt);
    const state = failing
      ? `<span class="status status-down">FAILING</span> ${escapeHtml(peer.lastError)}`
      : peer.lastSuccessAt !== undefined
        ? `<span class="status status-up">OK</span> last replicated ${escapeHtml(formatDuration(now - peer.lastSuccessAt))} ago`
        : '<span class="status status-unknown">IDLE</span> nothing replicated yet';
    return `<li>${link(peer.url, peer.url)} — ${state}${peer.pending > 0 ? ` (${peer.pending} pending)` : ''}</li>`;
  });
  return `<ul class="peers">${items.join('')}</ul>`;
}

const STYLE = `
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#f5f7fa}
body{margin:0}
header{background:#243b53;color:#fff;padding:1rem 2rem}
header h1{margin:0;font-size:1.4rem}
header p{margin:.25rem 0 0;color:#bcccdc;font-size:.9rem}
main{padding:1rem 2rem 2rem;max-width:90rem}
h2{font-size:1.1rem;border-bottom:2px solid #d9e2ec;padding-bottom:.3rem;margin-top:1.8rem}
table{border-collapse:collapse;background:#fff;font-size:.92rem}
.grid{width:100%}
.grid th,.grid td{border:1px solid #d9e2ec;padding:.45rem .7rem;text-align:left;vertical-align:top}
.grid thead th{background:#e4ebf3}
.kv th{text-align:left;padding:.3rem 1.2rem .3rem .7rem;font-weight:600;background:#f0f4f8}
.kv td{padding:.3rem .7rem}
.kv th,.kv td{border:1px solid #d9e2ec}
.grid td.num{text-align:right}
.status{display:inline-block;font-weight:700;font-size:.8rem;padding:.1rem .45rem;border-radius:.25rem;color:#fff;background:#829ab1}
.status-up{background:#2f855a}
.status-down{background:#c53030}
.status-out-of-service{background:#b7791f}
.status-starting{background:#2b6cb0}
.group+.group{margin-top:.3rem}
a{color:#1d4ed8}
.empty{color:#627d98;font-style:italic}
.layout{display:flex;gap:2rem;flex-wrap:wrap}
footer{padding:0 2rem 2rem;color:#627d98;font-size:.85rem}
`;

export function renderDashboard(model: DashboardModel): string {
  const apps = byApp(model.records);
  const instanceCount = model.records.length;
  const upCount = apps.flatMap(([, rows]) => rows).filter((row) => row.status === 'UP').length;
  const refresh =
    model.refreshSeconds > 0
      ? `<meta http-equiv="refresh" content="${escapeHtml(model.refreshSeconds)}">`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refresh}
<title>Registry — Storefront</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>Storefront registry</h1><p>Eureka-compatible service registry · ${escapeHtml(upCount)} of ${escapeHtml(instanceCount)} instance(s) UP</p></header>
<main>
<div class="layout">
<section><h2>System status</h2><table class="kv"><tbody>
<tr><th scope="row">Environment</th><td>${escapeHtml(model.environment)}</td></tr>
<tr><th scope="row">Current time</th><td>${escapeHtml(time(model.now))}</td></tr>
<tr><th scope="row">Uptime</th><td>${escapeHtml(formatDuration(model.now - model.startedAt))}</td></tr>
<tr><th scope="row">Default lease duration</th><td>${escapeHtml(formatDuration(model.leaseDurationMs))}</td></tr>
<tr><th scope="row">Eviction every</th><td>${escapeHtml(formatDuration(model.evictionIntervalMs))}</td></tr>
<tr><th scope="row">Self-preservation</th><td>off (expired leases are always evicted)</td></tr>
</tbody></table></section>
<section><h2>Registry replicas</h2>${peersList(model.peers, model.now)}</section>
</div>
<section><h2>Instances currently registered</h2>${applicationsTable(apps)}</section>
${instancesTable(apps, model.now)}
<section><h2>General info</h2><table class="kv"><tbody>
<tr><th scope="row">Registry version</th><td>${escapeHtml(model.version)}</td></tr>
<tr><th scope="row">Node.js</th><td>${escapeHtml(model.nodeVersion)}</td></tr>
<tr><th scope="row">Applications</th><td>${escapeHtml(apps.length)}</td></tr>
<tr><th scope="row">Instances</th><td>${escapeHtml(instanceCount)}</td></tr>
</tbody></table></section>
</main>
<footer>Registry JSON: <a href="eureka/apps">eureka/apps</a> · Health: <a href="actuator/health">actuator/health</a></footer>
</body>
</html>
`;
}
