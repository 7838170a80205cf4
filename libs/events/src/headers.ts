import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { formatIssues, issuesFromZod, type PayloadIssue } from './issues';
import { childTraceparent, newTraceparent, TRACEPARENT_PATTERN } from './trace-context';

/**
 * Metadata header names, after the CloudEvents Kafka protocol binding in binary mode: the
 * payload stays the plain JSON the original's consumers read, the attributes travel as `ce_*`
 * headers. Extension attribute names must be lowercase alphanumeric, hence `ce_schemaversion`.
 */
export const EventHeaders = {
  id: 'ce_id',
  type: 'ce_type',
  specVersion: 'ce_specversion',
  source: 'ce_source',
  time: 'ce_time',
  schemaVersion: 'ce_schemaversion',
  aggregateVersion: 'ce_aggregateversion',
  correlationId: 'ce_correlationid',
  traceparent: 'traceparent',
  contentType: 'content-type',
} as const;
export type EventHeaderName = (typeof EventHeaders)[keyof typeof EventHeaders];

export const CLOUDEVENTS_SPEC_VERSION = '1.0';
export const JSON_CONTENT_TYPE = 'application/json';

const positiveInteger = /^[1-9]\d*$/;
const nonNegativeInteger = /^(0|[1-9]\d*)$/;

/** An integer carried as header text; beyond 2^53 it would silently lose precision, so refuse it. */
function integerHeader(pattern: RegExp, what: string) {
  return z.string().regex(pattern, `Expected ${what}`).transform(Number).pipe(z.int());
}

/** The metadata headers on the wire, as strings; the source of the AsyncAPI headers schema. */
export const EventHeadersSchema = z.object({
  [EventHeaders.id]: z.uuid().describe('Event id (UUID); consumers deduplicate on it.'),
  [EventHeaders.type]: z
    .string()
    .min(1)
    .describe('Event type, reverse-DNS, e.g. com.storefront.accounts.customer.changed.'),
  [EventHeaders.specVersion]: z
    .literal(CLOUDEVENTS_SPEC_VERSION)
    .describe('CloudEvents specification version.'),
  [EventHeaders.source]: z
    .string()
    .min(1)
    .describe('Producing service as a URI reference, e.g. /storefront/accounts.'),
  [EventHeaders.time]: z.iso
    .datetime({ offset: true })
    .describe('When the change happened, RFC 3339.'),
  [EventHeaders.schemaVersion]: integerHeader(positiveInteger, 'a positive integer').describe(
    'Version of the payload schema (integer, from 1).',
  ),
  [EventHeaders.aggregateVersion]: integerHeader(
    nonNegativeInteger,
    'a non-negative integer',
  ).describe(
    'Version of the aggregate after the change; replicas apply an event only if it is newer.',
  ),
  [EventHeaders.correlationId]: z
    .string()
    .min(1)
    .optional()
    .describe('Id shared by every event of one business flow (e.g. the HTTP request id).'),
  [EventHeaders.traceparent]: z
    .string()
    .regex(TRACEPARENT_PATTERN, 'Expected a W3C traceparent')
    .optional()
    .describe('W3C Trace Context of the producing operation.'),
  [EventHeaders.contentType]: z
    .string()
    .regex(/^application\/json\s*(;.*)?$/, 'Expected application/json')
    .optional()
    .describe('Media type of the value: application/json.'),
});
export type EventHeadersRecord = z.output<typeof EventHeadersSchema>;

/** Event metadata, typed: what `readEventHeaders` returns. */
export interface EventMetadata {
  readonly id: string;
  readonly type: string;
  readonly specVersion: typeof CLOUDEVENTS_SPEC_VERSION;
  readonly source: string;
  /** RFC 3339 as written by the producer. */
  readonly time: string;
  readonly schemaVersion: number;
  readonly aggregateVersion: number;
  readonly correlationId?: string;
  readonly traceparent?: string;
  readonly contentType?: string;
}

/** What a producer provides; id, time, correlation id and trace context get defaults. */
export interface EventMetadataInput {
  readonly type: string;
  readonly source: string;
  readonly schemaVersion: number;
  readonly aggregateVersion: number;
  /** Defaults to a new UUID. Set it when the id was stored with the event (outbox). */
  readonly id?: string;
  /** Defaults to now. */
  readonly time?: Date | string;
  /** Defaults to the event id: an event that starts a flow correlates with itself. */
  readonly correlationId?: string;
  /** Defaults to a new trace. */
  readonly traceparent?: string;
}

export function newEventId(): string {
  return randomUUID();
}

export class EventHeadersError extends Error {
  constructor(readonly issues: readonly PayloadIssue[]) {
    super(`Invalid event headers: ${formatIssues(issues)}`);
    this.name = 'EventHeadersError';
  }
}

/**
 * Kafka headers for an event. Throws `EventHeadersError` on invalid metadata: that is a
 * producer bug, and a record with broken metadata must not reach the topic.
 */
export function buildEventHeaders(meta: EventMetadataInput): Record<string, string> {
  const headers = formatEventHeaders(meta);
  const result = EventHeadersSchema.safeParse(headers);
  if (!result.success) throw new EventHeadersError(issuesFromZod(result.error));
  return headers;
}

/**
 * The same headers without the check, for metadata already checked once (an outbox record's
 * was checked when it was created; only its aggregate version, a positive integer the write
 * stamped, is new).
 */
export function formatEventHeaders(meta: EventMetadataInput): Record<string, string> {
  const id = meta.id ?? newEventId();
  const time = meta.time ?? new Date();
  return {
    [EventHeaders.id]: id,
    [EventHeaders.type]: meta.type,
    [EventHeaders.specVersion]: CLOUDEVENTS_SPEC_VERSION,
    [EventHeaders.source]: meta.source,
    [EventHeaders.time]: typeof time === 'string' ? time : time.toISOString(),
    [EventHeaders.schemaVersion]: String(meta.schemaVersion),
    [EventHeaders.aggregateVersion]: String(meta.aggregateVersion),
    [EventHeaders.correlationId]: meta.correlationId ?? id,
    [EventHeaders.traceparent]: meta.traceparent ?? newTraceparent(),
    [EventHeaders.contentType]: JSON_CONTENT_TYPE,
  };
}

/** kafkajs's `IHeaders` value shape, without depending on kafkajs. */
export type KafkaHeaderValue = Buffer | string | (Buffer | string)[] | undefined;
export type KafkaHeaders = Readonly<Record<string, KafkaHeaderValue>>;

export type EventHeadersResult =
  | { readonly ok: true; readonly metadata: EventMetadata }
  | { readonly ok: false; readonly issues: readonly PayloadIssue[]; readonly message: string };

const decode = (value: Buffer | string): string =>
  typeof value === 'string' ? value : value.toString('utf8');

/**
 * One string per metadata header. A header repeated with the same value is harmless; repeated
 * with different values it is ambiguous, and guessing which one is meant could apply an event
 * under the wrong id or version.
 */
function metadataHeaderValues(headers: KafkaHeaders): {
  values: Record<string, string>;
  issues: PayloadIssue[];
} {
  const values: Record<string, string> = {};
  const issues: PayloadIssue[] = [];
  for (const name of Object.values(EventHeaders)) {
    const raw = headers[name];
    if (raw === undefined) continue;
    const all = (Array.isArray(raw) ? raw : [raw]).map(decode);
    if (new Set(all).size > 1) {
      issues.push({
        path: name,
        message: `Header repeated with different values: ${all.join(', ')}`,
      });
    } else if (all.length > 0) {
      values[name] = all[0];
    }
  }
  return { values, issues };
}

/** Typed, validated metadata from a consumed record's headers, or the reasons it is invalid. */
export function readEventHeaders(headers: KafkaHeaders | undefined): EventHeadersResult {
  const { values, issues } = metadataHeaderValues(headers ?? {});
  const parsed = EventHeadersSchema.safeParse(values);
  // A conflicting header is left out of `values`; its "missing" issue would only repeat it.
  const conflicting = new Set(issues.map((issue) => issue.path));
  const schemaIssues = parsed.success ? [] : issuesFromZod(parsed.error);
  const allIssues = [...issues, ...schemaIssues.filter((issue) => !conflicting.has(issue.path))];
  if (!parsed.success || allIssues.length > 0) {
    return { ok: false, issues: allIssues, message: formatIssues(allIssues) };
  }
  const h = parsed.data;
  return {
    ok: true,
    metadata: {
      id: h[EventHeaders.id],
      type: h[EventHeaders.type],
      specVersion: h[EventHeaders.specVersion],
      source: h[EventHeaders.source],
      time: h[EventHeaders.time],
      schemaVersion: h[EventHeaders.schemaVersion],
      aggregateVersion: h[EventHeaders.aggregateVersion],
      ...(h[EventHeaders.correlationId] !== undefined && {
        correlationId: h[EventHeaders.correlationId],
      }),
      ...(h[EventHeaders.traceparent] !== undefined && {
        traceparent: h[EventHeaders.traceparent],
      }),
      ...(h[EventHeaders.contentType] !== undefined && {
        contentType: h[EventHeaders.contentType],
      }),
    },
  };
}

/**
 * Metadata input for an event caused by a consumed one: same correlation id, child trace
 * context. Type, source and versions still come from the producer of the new event.
 */
export function causedBy(
  cause: Pick<EventMetadata, 'id' | 'correlationId' | 'traceparent'>,
): Pick<EventMetadataInput, 'correlationId' | 'traceparent'> {
  return {
    correlationId: cause.correlationId ?? cause.id,
    traceparent: childTraceparent(cause.traceparent),
  };
}
