import type { Model } from 'mongoose';

const tails = new Map<string, Promise<void>>();

/**
 * Runs `fn` after every earlier call with the same key has finished (an in-process mutex per
 * key). Why it exists: FerretDB 1.24 executes an update as read, modify in Go, then
 * `UPDATE … WHERE _id = ?`, without holding anything in between, so two concurrent updates of
 * one document lose one of them — even when both filter on the same `version` (both see the
 * old version and both report success). Serializing this process's writes per document makes
 * the version guard and the outbox removal behave as on MongoDB; writers in other processes
 * are not covered. The FerretDB this project builds is patched to make updates atomic (ADR
 * 0003), so this matters only against a stock FerretDB; MongoDB needs none of it.
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

/** `withKeyLock` keyed by database, collection and document id. */
export function withDocumentLock<T>(
  model: Pick<Model<never>, 'db' | 'collection'>,
  id: unknown,
  fn: () => Promise<T>,
): Promise<T> {
  return withKeyLock(`${model.db.name}.${model.collection.collectionName}#${String(id)}`, fn);
}
