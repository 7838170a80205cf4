import type { HydratedDocument, Model, Schema } from 'mongoose';
import { withDocumentLock } from '../util/document-lock';
import type { OutboxRecord } from './outbox-record';
import {
  DELETE_PENDING_FIELD,
  OUTBOX_FIELD,
  type OutboxDocument,
  VERSION_FIELD,
} from './outbox.schema';

/** The events of a change: records, or a function of the aggregate's new version. */
export type OutboxEvents =
  readonly OutboxRecord[] | ((aggregateVersion: number) => readonly OutboxRecord[]);

type OwnedField = '_id' | typeof VERSION_FIELD | typeof OUTBOX_FIELD | typeof DELETE_PENDING_FIELD;

/** A state change: fields to set and fields to remove. The outbox helpers own the rest. */
export interface StateChange<T> {
  readonly set?: Partial<Omit<T, OwnedField>>;
  readonly unset?: readonly Exclude<keyof T & string, OwnedField>[];
}

const OWNED: ReadonlySet<string> = new Set([
  '_id',
  VERSION_FIELD,
  OUTBOX_FIELD,
  DELETE_PENDING_FIELD,
]);

function recordsFor(events: OutboxEvents, aggregateVersion: number): OutboxRecord[] {
  const records = typeof events === 'function' ? events(aggregateVersion) : events;
  for (const record of records) {
    // A mismatch would let replicas apply the event against the wrong version.
    if (record.aggregateVersion !== aggregateVersion) {
      throw new Error(
        `outbox record ${record.id} has aggregateVersion ${record.aggregateVersion}, but the write makes version ${aggregateVersion}`,
      );
    }
  }
  return [...records];
}

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
 * Creates an aggregate at version 1 together with its events, in one insert: the document
 * and its pending events exist together or not at all.
 */
export async function insertWithOutbox<T extends OutboxDocument>(
  model: Model<T>,
  doc: Omit<T, typeof VERSION_FIELD | typeof OUTBOX_FIELD | typeof DELETE_PENDING_FIELD>,
  events: OutboxEvents,
  version = 1,
): Promise<HydratedDocument<T>> {
  assertOutboxSchema(model);
  assertNotOwned(Object.keys(doc).filter((key) => key !== '_id'));
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new RangeError(`an aggregate starts at a positive version, not ${version}`);
  }
  const records = recordsFor(events, version);
  const [created] = await model.create([
    { ...doc, [VERSION_FIELD]: version, [OUTBOX_FIELD]: records },
  ]);
  return created;
}

/**
 * Applies a state change and appends its events in ONE single-document update, guarded by
 * the version the caller read: `{ _id, version: expected }` → `$set` state, `$push` events,
 * `$inc` version. Atomic on standalone MongoDB and FerretDB alike (no transaction). Returns
 * the updated document, or null when the document is gone or another write got there first
 * (the caller re-reads and decides, or reports a version conflict). Writes of this process to
 * one document are serialized (see `withDocumentLock`: FerretDB needs it).
 */
export async function updateWithOutbox<T extends OutboxDocument>(
  model: Model<T>,
  id: unknown,
  expectedVersion: number,
  change: StateChange<T>,
  events: OutboxEvents,
): Promise<HydratedDocument<T> | null> {
  assertOutboxSchema(model);
  const set = (change.set ?? {}) as Record<string, unknown>;
  const unset = change.unset ?? [];
  assertNotOwned([...Object.keys(set), ...unset]);
  const records = recordsFor(events, expectedVersion + 1);
  const update: Record<string, unknown> = {
    $inc: { [VERSION_FIELD]: 1 },
    $push: { [OUTBOX_FIELD]: { $each: records } },
  };
  if (Object.keys(set).length > 0) update.$set = set;
  if (unset.length > 0) update.$unset = Object.fromEntries(unset.map((field) => [field, 1]));
  return withDocumentLock(model, id, () =>
    model
      .findOneAndUpdate({ _id: id, [VERSION_FIELD]: expectedVersion }, update, {
        new: true,
        runValidators: true,
      })
      .exec(),
  ) as Promise<HydratedDocument<T> | null>;
}

/**
 * Deletes an aggregate and records its events (typically a tombstone) in one update: the
 * document is only marked `deletePending` now; the relay deletes it after publishing its
 * last event. Readers must skip documents with `deletePending: true`. Returns false on a
 * version conflict or a missing document.
 */
export async function deleteWithOutbox<T extends OutboxDocument>(
  model: Model<T>,
  id: unknown,
  expectedVersion: number,
  events: OutboxEvents,
): Promise<boolean> {
  assertOutboxSchema(model);
  const records = recordsFor(events, expectedVersion + 1);
  const result = await withDocumentLock(model, id, () =>
    model
      .updateOne(
        { _id: id, [VERSION_FIELD]: expectedVersion },
        {
          $set: { [DELETE_PENDING_FIELD]: true },
          $inc: { [VERSION_FIELD]: 1 },
          $push: { [OUTBOX_FIELD]: { $each: records } },
        },
        // The flag is ours, not part of the service's schema.
        { strict: false },
      )
      .exec(),
  );
  return result.matchedCount === 1;
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
  events: OutboxEvents,
  newVersion = expectedVersion,
): Promise<HydratedDocument<T> | null> {
  assertOutboxSchema(model);
  if (!Number.isSafeInteger(newVersion) || newVersion < expectedVersion) {
    throw new RangeError(`a version never goes back (${expectedVersion} → ${newVersion})`);
  }
  const records = recordsFor(events, newVersion);
  const update: Record<string, unknown> = { $push: { [OUTBOX_FIELD]: { $each: records } } };
  if (newVersion !== expectedVersion) update.$set = { [VERSION_FIELD]: newVersion };
  return withDocumentLock(model, id, () =>
    model
      .findOneAndUpdate({ _id: id, [VERSION_FIELD]: expectedVersion }, update, { new: true })
      .exec(),
  ) as Promise<HydratedDocument<T> | null>;
}
