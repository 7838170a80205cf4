import type { Model } from 'mongoose';

const tails = new Map<string, Promise<void>>();

/**
 * Runs `fn` after every earlier call with the same key has finished (an in-process mutex per
 * key).
 */
export async function withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => held);
  tails.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(key) === tail) tails.delete(key);
  }
}

let documentLocks = false;

/**
 * Turns the per-document write lock of the messaging helpers on or off (MONGO_DOCUMENT_LOCKS,
 * off by default). Why it exists at all: a stock FerretDB 1.24 runs an update as read, modify
 * in Go, write back by `_id`, holding nothing in between, so two concurrent updates of one
 * document can both succeed on the same `version` and one is lost (ADR 0002). MongoDB and the
 * FerretDB this project builds (patch 0004, ADR 0003) make a single-document update atomic and
 * need no lock. Against a stock FerretDB the switch serializes this process's writes per
 * document; writers in other processes are not covered, so run one instance per service there.
 */
export function useDocumentLocks(enabled: boolean): void {
  documentLocks = enabled;
}

export function documentLocksEnabled(): boolean {
  return documentLocks;
}

/** `fn` under `withKeyLock` keyed by database, collection and document id when locks are on. */
export function withDocumentLock<T>(
  model: Pick<Model<never>, 'db' | 'collection'>,
  id: unknown,
  fn: () => Promise<T>,
): Promise<T> {
  if (!documentLocks) return fn();
  return withKeyLock(`${model.db.name}.${model.collection.collectionName}#${String(id)}`, fn);
}
