import type { z } from 'zod';
import type { Topic } from './topics';

/** The services that produce or consume events. */
export const SERVICES = ['accounts', 'orders', 'fulfillment'] as const;
export type Service = (typeof SERVICES)[number];

/** CloudEvents `source` of the events a service produces, e.g. `/storefront/accounts`. */
export function serviceSource(service: Service): `/storefront/${Service}` {
  return `/storefront/${service}`;
}

/** What a tombstone (a record with a key and a null value) means on a topic that allows it. */
export interface TombstoneContract {
  /** Message name in the AsyncAPI document, e.g. `CustomerDeleted`. */
  readonly name: string;
  /** CloudEvents type carried in `ce_type` on the tombstone. */
  readonly type: string;
  readonly summary: string;
}

/**
 * Everything producers, consumers and the docs need to know about the one event of a topic.
 * `key` is a method so contracts of different payloads fit one registry type.
 */
export interface EventContract<T extends Topic = Topic, S extends z.ZodType = z.ZodType> {
  readonly topic: T;
  /** Message name in the AsyncAPI document, e.g. `CustomerChanged`. */
  readonly name: string;
  readonly summary: string;
  /** CloudEvents type carried in `ce_type`, reverse-DNS. */
  readonly type: string;
  /** Schema version carried in `ce_schemaversion`; bump it on any schema change. */
  readonly version: number;
  /** Runtime schema of the payload (the single source of the TS type and the JSON Schema). */
  readonly schema: S;
  /** The Kafka key of a payload: the aggregate id, so one aggregate's events stay in order. */
  key(payload: z.output<S>): string;
  /** What the key is, in words, for the docs. */
  readonly keyDescription: string;
  /** Null when a null value is not a valid record on this topic. */
  readonly tombstone: TombstoneContract | null;
  readonly producer: Service;
  readonly consumers: readonly Service[];
}

/**
 * Identity function that keeps the precise topic, schema and tombstone types of a contract,
 * so `TopicPayload<T>` and `TombstoneTopic` can be derived from the registry.
 */
export function defineContract<
  T extends Topic,
  S extends z.ZodType,
  const B extends TombstoneContract | null,
>(
  contract: EventContract<T, S> & { readonly tombstone: B },
): EventContract<T, S> & { readonly tombstone: B } {
  return contract;
}
