import type { z } from 'zod';
import type { EventContract } from './contract';
import { customerChangedContract } from './customer-change.event';
import { DeadLetterReasons } from './dead-letter';
import { fulfillmentRequestedContract } from './fulfillment-request.event';
import { findUnknownKeys, formatIssues, issuesFromZod, type PayloadIssue } from './issues';
import { orderStatusChangedContract } from './order-status-change.event';
import { Topics, type Topic } from './topics';

/** The contract of every topic: the topic → payload type map that typed publishing relies on. */
export const CONTRACTS = {
  [Topics.CustomerChange]: customerChangedContract,
  [Topics.OrderFulfill]: fulfillmentRequestedContract,
  [Topics.OrderStatusChange]: orderStatusChangedContract,
} as const satisfies { readonly [T in Topic]: EventContract<T> };

export type Contracts = typeof CONTRACTS;
/** The payload of a topic as consumers see it and as producers serialize it. */
export type TopicPayload<T extends Topic> = z.output<Contracts[T]['schema']>;
/** What a producer may pass for a topic (optional texts may be omitted). */
export type TopicPayloadInput<T extends Topic> = z.input<Contracts[T]['schema']>;
/** Topics on which a null value (tombstone) is a valid record. */
export type TombstoneTopic = {
  [T in Topic]: Contracts[T]['tombstone'] extends null ? never : T;
}[Topic];

/**
 * The same registry seen through a mapped type: indexing it with a generic `T` keeps the
 * link between a topic and its payload type, which indexing `CONTRACTS` directly loses.
 */
type ContractMap = {
  readonly [T in Topic]: EventContract<T, z.ZodType<TopicPayload<T>, TopicPayloadInput<T>>>;
};
const REGISTRY: ContractMap = CONTRACTS;

/** Topics arrive as plain strings from Kafka; a topic without a contract is a wiring bug. */
function assertKnown(topic: Topic): void {
  if (!Object.hasOwn(CONTRACTS, topic)) {
    throw new Error(`No event contract for topic "${String(topic)}"`);
  }
}

export function getContract<T extends Topic>(topic: T): Contracts[T] {
  assertKnown(topic);
  return CONTRACTS[topic];
}

function registryEntry<T extends Topic>(topic: T): ContractMap[T] {
  assertKnown(topic);
  return REGISTRY[topic];
}

/** The Kafka key of a payload: the aggregate id (customer id, order guid). */
export function messageKey<T extends Topic>(topic: T, payload: TopicPayload<T>): string {
  return registryEntry(topic).key(payload);
}

/**
 * - `produce`: unknown keys are refused at any depth, so nothing outside the contract leaves.
 * - `consume`: unknown keys are dropped, so a consumer of version N can read version N+1.
 */
export type PayloadDirection = 'produce' | 'consume';

export type PayloadValidation<P> =
  | { readonly ok: true; readonly value: P }
  | { readonly ok: false; readonly issues: readonly PayloadIssue[]; readonly message: string };

function invalid(issues: readonly PayloadIssue[]): PayloadValidation<never> {
  return { ok: false, issues, message: formatIssues(issues) };
}

/**
 * Checks a payload against its topic's schema. On success `value` is the normalized payload
 * (optional texts set to null): producers serialize that value, never their input.
 */
export function validatePayload<T extends Topic>(
  topic: T,
  value: unknown,
  direction: PayloadDirection = 'produce',
): PayloadValidation<TopicPayload<T>> {
  const result = registryEntry(topic).schema.safeParse(value);
  if (!result.success) return invalid(issuesFromZod(result.error));
  if (direction === 'produce') {
    const unknownKeys = findUnknownKeys(value, result.data);
    if (unknownKeys.length > 0) return invalid(unknownKeys);
  }
  return { ok: true, value: result.data };
}

/** Why a consumed value cannot be handled; each maps to a `dlt_reason`. */
export type PayloadRejection =
  | typeof DeadLetterReasons.NotJson
  | typeof DeadLetterReasons.SchemaViolation
  | typeof DeadLetterReasons.UnexpectedTombstone;

export type ParsedPayload<P> =
  | { readonly kind: 'payload'; readonly payload: P }
  | { readonly kind: 'tombstone' }
  | {
      readonly kind: 'rejected';
      readonly reason: PayloadRejection;
      readonly message: string;
      readonly issues: readonly PayloadIssue[];
    };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function rejected(reason: PayloadRejection, issues: readonly PayloadIssue[]): ParsedPayload<never> {
  return { kind: 'rejected', reason, issues, message: formatIssues(issues) };
}

/**
 * Decodes and validates a consumed record value (`consume` direction). Tells apart a tombstone,
 * a value that is not UTF-8 JSON and JSON that breaks the schema, so the consumer can handle
 * the first and dead-letter the others with a precise `dlt_reason`.
 */
export function parsePayloadJson<T extends Topic>(
  topic: T,
  value: Uint8Array | string | null,
): ParsedPayload<TopicPayload<T>> {
  const contract = getContract(topic);
  if (value === null) {
    return contract.tombstone
      ? { kind: 'tombstone' }
      : rejected(DeadLetterReasons.UnexpectedTombstone, [
          {
            path: '',
            message: `Null value (tombstone) on ${topic}, whose contract has no tombstones`,
          },
        ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : utf8.decode(value));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return rejected(DeadLetterReasons.NotJson, [
      { path: '', message: `Not UTF-8 JSON: ${detail}` },
    ]);
  }
  const validation = validatePayload(topic, json, 'consume');
  return validation.ok
    ? { kind: 'payload', payload: validation.value }
    : rejected(DeadLetterReasons.SchemaViolation, validation.issues);
}
