import {
  buildEventHeaders,
  causedBy,
  EventHeaders,
  EventHeadersError,
  readEventHeaders,
  type EventMetadataInput,
  type KafkaHeaders,
} from './headers';
import { parseTraceparent } from './trace-context';

const ID = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const META: EventMetadataInput = {
  id: ID,
  type: 'com.storefront.accounts.customer.changed',
  source: '/storefront/accounts',
  schemaVersion: 1,
  aggregateVersion: 7,
  time: new Date('2018-06-07T01:16:58.821Z'),
  correlationId: 'req-42',
  traceparent: TRACEPARENT,
};
const HEADERS = {
  ce_id: ID,
  ce_type: 'com.storefront.accounts.customer.changed',
  ce_specversion: '1.0',
  ce_source: '/storefront/accounts',
  ce_time: '2018-06-07T01:16:58.821Z',
  ce_schemaversion: '1',
  ce_aggregateversion: '7',
  ce_correlationid: 'req-42',
  traceparent: TRACEPARENT,
  'content-type': 'application/json',
};

/** The headers as kafkajs hands them to a consumer: every value a Buffer. */
const asBuffers = (headers: Record<string, string>): KafkaHeaders =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value)]));

describe('buildEventHeaders', () => {
  it('writes the CloudEvents binary-mode headers', () => {
    expect(buildEventHeaders(META)).toEqual(HEADERS);
  });

  it('uses the header names of the CloudEvents Kafka binding', () => {
    expect(Object.values(EventHeaders)).toEqual(Object.keys(HEADERS));
  });

  it('defaults the id, the time, the correlation id (to the id) and the trace context', () => {
    const before = Date.now();
    const headers = buildEventHeaders({
      type: META.type,
      source: META.source,
      schemaVersion: 1,
      aggregateVersion: 0,
    });
    expect(headers.ce_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(headers.ce_correlationid).toBe(headers.ce_id);
    expect(parseTraceparent(headers.traceparent)).not.toBeNull();
    expect(Date.parse(headers.ce_time)).toBeGreaterThanOrEqual(before);
    expect(buildEventHeaders({ ...META, id: undefined }).ce_id).not.toBe(headers.ce_id);
  });

  it.each([
    ['schema version 0', { schemaVersion: 0 }, 'ce_schemaversion'],
    ['a fractional schema version', { schemaVersion: 1.5 }, 'ce_schemaversion'],
    ['a negative aggregate version', { aggregateVersion: -1 }, 'ce_aggregateversion'],
    ['an id that is not a UUID', { id: 'evt-1' }, 'ce_id'],
    ['an empty type', { type: '' }, 'ce_type'],
    ['a malformed traceparent', { traceparent: 'abc' }, 'traceparent'],
    ['an invalid time', { time: 'yesterday' }, 'ce_time'],
  ])('refuses %s', (_label, override, path) => {
    expect(() => buildEventHeaders({ ...META, ...override })).toThrow(EventHeadersError);
    try {
      buildEventHeaders({ ...META, ...override });
    } catch (error) {
      expect(error instanceof EventHeadersError && error.issues.map((issue) => issue.path)).toEqual(
        [path],
      );
    }
  });
});

describe('readEventHeaders', () => {
  const METADATA = {
    id: ID,
    type: META.type,
    specVersion: '1.0',
    source: META.source,
    time: '2018-06-07T01:16:58.821Z',
    schemaVersion: 1,
    aggregateVersion: 7,
    correlationId: 'req-42',
    traceparent: TRACEPARENT,
    contentType: 'application/json',
  };

  it('reads Buffer values, as kafkajs delivers them, into typed metadata', () => {
    expect(readEventHeaders(asBuffers(buildEventHeaders(META)))).toEqual({
      ok: true,
      metadata: METADATA,
    });
  });

  it('reads string values and repeated identical values', () => {
    expect(readEventHeaders({ ...HEADERS, ce_id: [ID, Buffer.from(ID)] })).toEqual({
      ok: true,
      metadata: METADATA,
    });
  });

  it('ignores headers outside the metadata (dead-letter, Spring type id)', () => {
    const result = readEventHeaders({
      ...HEADERS,
      dlt_reason: 'not-json',
      __TypeId__: 'com.storefront.model.X',
    });
    expect(result).toEqual({ ok: true, metadata: METADATA });
  });

  it('treats correlation id, trace context and content type as optional', () => {
    const { ce_correlationid: _c, traceparent: _t, 'content-type': _ct, ...required } = HEADERS;
    const result = readEventHeaders(required);
    expect(result.ok && result.metadata).toEqual({
      id: ID,
      type: META.type,
      specVersion: '1.0',
      source: META.source,
      time: METADATA.time,
      schemaVersion: 1,
      aggregateVersion: 7,
    });
  });

  it('accepts an RFC 3339 time with an offset', () => {
    expect(readEventHeaders({ ...HEADERS, ce_time: '2018-06-07T03:16:58+02:00' }).ok).toBe(true);
  });

  it.each([
    ['no id', { ce_id: undefined }, 'ce_id'],
    ['no type', { ce_type: undefined }, 'ce_type'],
    ['CloudEvents 0.3', { ce_specversion: '0.3' }, 'ce_specversion'],
    ['a schema version that is not a number', { ce_schemaversion: 'v1' }, 'ce_schemaversion'],
    [
      'an aggregate version beyond 2^53',
      { ce_aggregateversion: '9007199254740993' },
      'ce_aggregateversion',
    ],
    ['a time without a zone', { ce_time: '2018-06-07T01:16:58' }, 'ce_time'],
    ['a text/plain value', { 'content-type': 'text/plain' }, 'content-type'],
    ['conflicting repeated ids', { ce_id: [ID, '2c4e28ba-2fa1-41d2-883f-0016d3cca427'] }, 'ce_id'],
  ])('refuses %s, naming the header', (_label, override, path) => {
    const result = readEventHeaders({ ...HEADERS, ...override });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((issue) => issue.path)).toEqual([path]);
    expect(!result.ok && result.message).toMatch(new RegExp(`^${path}: `));
  });

  it('refuses a record without headers, listing every missing one', () => {
    const result = readEventHeaders(undefined);
    expect(!result.ok && result.issues.map((issue) => issue.path)).toEqual([
      'ce_id',
      'ce_type',
      'ce_specversion',
      'ce_source',
      'ce_time',
      'ce_schemaversion',
      'ce_aggregateversion',
    ]);
  });
});

describe('causedBy', () => {
  it('keeps the correlation id and continues the trace', () => {
    const caused = causedBy({ id: ID, correlationId: 'req-42', traceparent: TRACEPARENT });
    expect(caused.correlationId).toBe('req-42');
    expect(parseTraceparent(caused.traceparent ?? '')?.traceId).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    expect(caused.traceparent).not.toBe(TRACEPARENT);
  });

  it('correlates with the cause itself when it has no correlation id', () => {
    expect(causedBy({ id: ID }).correlationId).toBe(ID);
  });
});
