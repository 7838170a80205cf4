import type { KafkaMessage } from 'kafkajs';
import {
  type DeadLetterReason,
  DeadLetterReasons,
  type EventMetadata,
  parsePayloadJson,
  readEventHeaders,
  type Topic,
} from '@storefront/events';

/** A consumed record as its handler gets it. */
export interface DecodedRecord {
  readonly ok: true;
  readonly key: string;
  readonly payload: unknown;
  readonly isTombstone: boolean;
  readonly metadata: EventMetadata;
}

/** A record no handler can take: it goes to the dead-letter topic at once. */
export interface UndecodableRecord {
  readonly ok: false;
  readonly reason: DeadLetterReason;
  readonly error: string;
}

/** Key, payload (validated against the topic's schema) and CloudEvents headers of a record. */
export function decodeRecord(
  topic: Topic,
  message: KafkaMessage,
): DecodedRecord | UndecodableRecord {
  const key = message.key?.toString('utf8');
  if (!key) {
    return { ok: false, reason: DeadLetterReasons.MissingKey, error: 'the record has no key' };
  }
  const parsed = parsePayloadJson(topic, message.value);
  if (parsed.kind === 'rejected') {
    return { ok: false, reason: parsed.reason, error: parsed.message };
  }
  const headers = readEventHeaders(message.headers);
  if (!headers.ok) {
    return { ok: false, reason: DeadLetterReasons.InvalidHeaders, error: headers.message };
  }
  return {
    ok: true,
    key,
    payload: parsed.kind === 'payload' ? parsed.payload : null,
    isTombstone: parsed.kind === 'tombstone',
    metadata: headers.metadata,
  };
}
