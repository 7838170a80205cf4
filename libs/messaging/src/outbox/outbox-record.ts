import {
  buildEventHeaders,
  childTraceparent,
  formatEventHeaders,
  formatIssues,
  getContract,
  messageKey,
  newEventId,
  type PayloadIssue,
  type TombstoneTopic,
  type Topic,
  type TopicPayloadInput,
  validatePayload,
} from '@storefront/events';
import { currentContext } from '@storefront/platform';
import type { OutgoingRecord } from '../kafka/kafka-connection';

/**
 * One pending event inside an aggregate document. The payload is stored as the JSON text that
 * will be published, so the database never reshapes it (no key reordering, no null/undefined
 * games) and the relay sends exactly what was validated.
 */
export interface OutboxRecord {
  /** Event id (UUID), the `ce_id` header; consumers deduplicate on it. */
  id: string;
  /** Contract topic name. */
  topic: string;
  /** Kafka key: the aggregate id. */
  key: string;
  /** CloudEvents type. */
  type: string;
  schemaVersion: number;
  /** CloudEvents source, e.g. `/storefront/accounts`. */
  source: string;
  /** JSON text of the validated payload, or null for a tombstone. */
  payload: string | null;
  occurredAt: Date;
  /** Version of the aggregate after the change that produced the event; the write stamps it. */
  aggregateVersion: number;
  correlationId: string;
  traceparent: string;
}

/**
 * An event as a service builds it, before its write: the write that stores it stamps the
 * version it gives the aggregate (see outbox-write), so no service computes or checks it.
 */
export type OutboxEvent = Omit<OutboxRecord, 'aggregateVersion'>;

/** The records a write stores: its events, stamped with the version the write makes. */
export function stampVersion(
  events: readonly OutboxEvent[],
  aggregateVersion: number,
): OutboxRecord[] {
  return events.map((event) => ({ ...event, aggregateVersion }));
}

export interface OutboxRecordMeta {
  /** CloudEvents source of the producing service, e.g. `serviceSource('accounts')`. */
  readonly source: string;
  /** The key; derived from the payload when omitted, required for a tombstone. */
  readonly key?: string;
  readonly occurredAt?: Date;
  readonly id?: string;
}

/** A payload that breaks its contract: a producer bug, refused before it reaches the outbox. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    readonly topic: string,
    readonly issues: readonly PayloadIssue[],
  ) {
    super(`Invalid ${topic} event: ${formatIssues(issues)}`);
  }
}

/**
 * Builds an outbox record: validates the payload against the topic's contract (produce
 * direction: unknown keys refused, so a card number cannot slip into an event), derives the
 * key, and takes the correlation id and a child trace context from the current request or
 * message. Throws `InvalidEventError`, so bad data never enters the outbox.
 */
export function createOutboxRecord<T extends Topic>(
  topic: T,
  payload: TopicPayloadInput<T>,
  meta: OutboxRecordMeta,
): OutboxEvent;
export function createOutboxRecord<T extends TombstoneTopic>(
  topic: T,
  payload: null,
  meta: OutboxRecordMeta & { readonly key: string },
): OutboxEvent;
export function createOutboxRecord<T extends Topic>(
  topic: T,
  payload: TopicPayloadInput<T> | null,
  meta: OutboxRecordMeta,
): OutboxEvent {
  const contract = getContract(topic);
  let json: string | null;
  let key: string;
  let type: string;
  if (payload === null) {
    if (!contract.tombstone) {
      throw new InvalidEventError(topic, [{ path: '', message: 'this topic has no tombstones' }]);
    }
    if (!meta.key) {
      throw new InvalidEventError(topic, [{ path: '', message: 'a tombstone needs a key' }]);
    }
    json = null;
    key = meta.key;
    type = contract.tombstone.type;
  } else {
    const validation = validatePayload(topic, payload, 'produce');
    if (!validation.ok) throw new InvalidEventError(topic, validation.issues);
    json = JSON.stringify(validation.value);
    key = messageKey(topic, validation.value);
    type = contract.type;
    if (meta.key !== undefined && meta.key !== key) {
      throw new InvalidEventError(topic, [
        { path: '', message: `key ${meta.key} differs from the payload's key ${key}` },
      ]);
    }
  }
  const id = meta.id ?? newEventId();
  const context = currentContext();
  const record: OutboxEvent = {
    id,
    topic,
    key,
    type,
    schemaVersion: contract.version,
    source: meta.source,
    payload: json,
    occurredAt: meta.occurredAt ?? new Date(),
    // An event that does not come from a request or message starts its own flow.
    correlationId: context?.correlationId ?? id,
    traceparent: childTraceparent(context?.traceparent),
  };
  // The headers are checked once, here, rather than at publish time when nobody can fix the
  // data; the version is the write's (any positive integer passes the same check).
  buildEventHeaders(headerMeta({ ...record, aggregateVersion: 1 }));
  return record;
}

function headerMeta(record: OutboxRecord) {
  return {
    id: record.id,
    type: record.type,
    source: record.source,
    schemaVersion: record.schemaVersion,
    aggregateVersion: record.aggregateVersion,
    time: record.occurredAt,
    correlationId: record.correlationId,
    traceparent: record.traceparent,
  };
}

/** The Kafka record the relay publishes for an outbox record, headers built once, unchecked. */
export function toOutgoingRecord(record: OutboxRecord): OutgoingRecord {
  return {
    topic: record.topic,
    key: record.key,
    value: record.payload,
    headers: formatEventHeaders(headerMeta(record)),
  };
}
