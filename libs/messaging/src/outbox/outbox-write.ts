import type { Model, Schema } from 'mongoose';
import { withDocumentLock } from '../util/document-lock';
import { type OutboxEvent, stampVersion } from './outbox-record';
import { OUTBOX_FIELD, type OutboxDocument, VERSION_FIELD } from './outbox.schema';

type OwnedField = '_id' | typeof VERSION_FIELD | typeof OUTBOX_FIELD;

/** A state change: fields to set and fields to remove. The outbox helpers own the rest. */
export interface StateChange<T> {
  readonly set?: Partial<Omit<T, OwnedField>>;
  readonly unset?: readonly Exclude<keyof T & string, OwnedField>[];
}

/** A new aggregate as a service gives it: everything but what the outbox helpers own. */
export type NewAggregate<T extends OutboxDocument> = Omit<
  T,
  typeof VERSION_FIELD | typeof OUTBOX_FIELD
>;

const OWNED: ReadonlySet<string> = new Set(['_id', VERSION_FIELD, OUTBOX_FIELD]);

function assertOutboxSchema(model: { readonly schema: Schema; readonly modelName: string }): void {
  for (const path of [VERSION_FIELD, OUTBOX_FIELD]) {
    if (!model.schema.path(path)) {
      throw new Error(
        `${model.modelName} schema lacks the "${path}" path the outbox helpers need (see outboxField)`,
      );
    }
  }
}

function assertNotOwned(fields: Iterable<string>): void {
  for (const field of fields) {
    const root = field.split('.')[0];
    if (OWNED.has(root)) {
      throw new Error(`"${field}" is managed by the outbox helpers and cannot be changed directly`);
    }
  }
}

/**
 * Creates an aggregate at `version` (default 1) together with its events, in one insert: the
 * document and its pending events exist together or not at all. The events are stamped with
 * that version. Returns the stored document.
 */
export async function insertWithOutbox<T extends OutboxDocument>(
  model: Model<T>,
  doc: NewAggregate<T>,
  events: readonly OutboxEvent[],
  version = 1,
): Promise<T> {
  assertOutboxSchema(model);
  assertNotOwned(Object.keys(doc).filter((key) => key !== '_id'));
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new RangeError(`an aggregate starts at a positive version, not ${version}`);
  }
  const [created] = await model.create([
    { ...doc, [VERSION_FIELD]: version, [OUTBOX_FIELD]: stampVersion(events, version) },
  ]);
  return created.toObject<T>();
}

/**
 * Applies a state change and appends its events in ONE single-document update, guarded by
 * the version the caller read: `{ _id, version: expected }` → `$set` state, `$push` events
 * (stamped with `expected + 1`), `$inc` version. Atomic on MongoDB and on the FerretDB this
 * project builds (ADR 0003), without a transaction. Returns the updated document (plain, not
 * hydrated: the relay publishes from it), or null when the document is gone or another write
 * got there first.
 */
export async function updateWithOutbox<T extends OutboxDocument>(
  model: Model<T>,
  id: unknown,
  expectedVersion: number,
  change: StateChange<T>,
  events: readonly OutboxEvent[],
): Promise<T | null> {
  assertOutboxSchema(model);
  const set = (change.set ?? {}) as Record<string, unknown>;
  const unset = change.unset ?? [];
  assertNotOwned([...Object.keys(set), ...unset]);
  const update: Record<string, unknown> = {
    $inc: { [VERSION_FIELD]: 1 },
    $push: { [OUTBOX_FIELD]: { $each: stampVersion(events, expectedVersion + 1) } },
  };
  if (Object.keys(set).length > 0) update.$set = set;
  if (unset.length > 0) update.$unset = Object.fromEntries(unset.map((field) => [field, 1]));
  return guardedUpdate(model, id, expectedVersion, update, { runValidators: true });
}

/**
 * Re-emits the aggregate's current state: appends events without changing the state, in one
 * update guarded by the version read. The events carry `newVersion`, by default the current
 * version, so a replica that already holds it ignores them (its guard wants a newer one) and
 * only a missing or stale replica applies them. A larger `newVersion` moves the version
 * forward in the same write, for a replica that holds the current version (or a later one)
 * with other content: the guard lets only a newer version through. Returns null on a version
 * conflict or a missing document.
 */
export async function republishWithOutbox<T extends OutboxDocument>(
  model: Model<T>,
  id: unknown,
  expectedVersion: number,
  events: readonly OutboxEvent[],
  newVersion = expectedVersion,
): Promise<T | null> {
  assertOutboxSchema(model);
  if (!Number.isSafeInteger(newVersion) || newVersion < expectedVersion) {
    throw new RangeError(`a version never goes back (${expectedVersion} → ${newVersion})`);
  }
  const update: Record<string, unknown> = {
    $push: { [OUTBOX_FIELD]: { $each: stampVersion(events, newVersion) } },
  };
  if (newVersion !== expectedVersion) update.$set = { [VERSION_FIELD]: newVersion };
  return guardedUpdate(model, id, expectedVersion, update, {});
}

/** One `findAndModify` on `{ _id, version }`, returning the new document as a plain object. */
function guardedUpdate<T extends OutboxDocument>(
  model: Model<T>,
  id: unknown,
  expectedVersion: number,
  update: Record<string, unknown>,
  options: { runValidators?: boolean; strict?: boolean },
): Promise<T | null> {
  return withDocumentLock(model, id, () =>
    model
      .findOneAndUpdate({ _id: id, [VERSION_FIELD]: expectedVersion }, update, {
        ...options,
        new: true,
      })
      .lean<T>()
      .exec(),
  );
}
