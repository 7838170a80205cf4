import { isDuplicateKeyError } from '@storefront/platform';
import type { OutboxEvent } from './outbox-record';
import type { NewAggregate, StateChange } from './outbox-write';
import type { OutboxDocument } from './outbox.schema';
import type { CollectionRelay } from './collection-relay';

/** What one round decided: nothing to write, or exactly one outbox write. */
export type WriteDecision<T extends OutboxDocument, R> =
  | { readonly write: false; readonly result: R }
  | ({
      /** The caller's answer: a value, or made from the document the write stored. */
      readonly result: R | ((stored: T) => R);
      readonly events: readonly OutboxEvent[];
    } & (
      | { readonly write: 'insert'; readonly doc: NewAggregate<T>; readonly version?: number }
      | { readonly write: 'update'; readonly change: StateChange<T> }
      | { readonly write: 'republish'; readonly newVersion?: number }
    ));

/** `L`: the aggregate as the service reads it (its lean document type). */
export interface ReadModifyWriteOptions<T extends OutboxDocument, R, L extends T = T> {
  /** Reads the aggregate as it is now (lean), or null. Runs again after each lost race. */
  readonly load: () => Promise<L | null>;
  /**
   * Decides from what `load` read, with the service's pure rules: nothing to write, or one
   * write. Throws the service's domain error to refuse (not found, illegal transition, the
   * client's expected version is not the current one).
   */
  readonly decide: (current: L | null) => WriteDecision<T, R>;
  /** The error once every round lost its race to another writer. */
  readonly lostRace: (current: L | null) => Error;
  /**
   * Rounds of read → decide → write (default 5). 1 when a lost race is the client's conflict
   * to resolve (a request with If-Match names the version it read, and must not be re-applied
   * to a newer one).
   */
  readonly attempts?: number;
}

export const DEFAULT_WRITE_ATTEMPTS = 5;

/**
 * The one write path of every state change: read the aggregate, decide with pure rules, and
 * write the new state with its events in one update guarded by the version read (or insert
 * it, when the decision is to create it). Another writer's change in between (a version
 * conflict, or a duplicate key on insert) starts the round over with a fresh read, up to
 * `attempts` rounds. The write stamps the events with the version it makes and the relay
 * publishes them from the document the write returned.
 */
export async function readModifyWrite<T extends OutboxDocument, R, L extends T = T>(
  relay: CollectionRelay<T>,
  options: ReadModifyWriteOptions<T, R, L>,
): Promise<R> {
  const attempts = options.attempts ?? DEFAULT_WRITE_ATTEMPTS;
  let current: L | null = null;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    current = await options.load();
    const decision = options.decide(current);
    if (decision.write === false) return decision.result;
    const stored = await write(relay, current, decision);
    if (stored) {
      const { result } = decision;
      return typeof result === 'function' ? (result as (stored: T) => R)(stored) : result;
    }
  }
  throw options.lostRace(current);
}

/** The decided write; null when another writer got there first. */
async function write<T extends OutboxDocument, R>(
  relay: CollectionRelay<T>,
  current: T | null,
  decision: Exclude<WriteDecision<T, R>, { write: false }>,
): Promise<T | null> {
  if (decision.write === 'insert') {
    try {
      return await relay.insert(decision.doc, decision.events, decision.version);
    } catch (error) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }
  if (!current) {
    throw new Error(`a ${decision.write} needs the document it was decided on; load found none`);
  }
  const id = (current as unknown as { _id: unknown })._id;
  switch (decision.write) {
    case 'update':
      return relay.update(id, current.version, decision.change, decision.events);
    case 'republish':
      return relay.republish(id, current.version, decision.events, decision.newVersion);
  }
}
