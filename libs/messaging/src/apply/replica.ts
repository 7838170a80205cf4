import type { Model } from 'mongoose';
import { isDuplicateKeyError } from '@storefront/platform';
import { withDocumentLock } from '../util/document-lock';

/** Field holding the owner's aggregate version a replica document was last updated from. */
export const SOURCE_VERSION_FIELD = 'sourceVersion';
/** Set on a replica whose owner deleted the aggregate (see `removeReplicaIfNewer`). */
export const REPLICA_DELETED_FIELD = 'deleted';

export type ReplicaApplyResult = 'applied' | 'stale';

function assertReplicaSchema(model: Model<never>): void {
  for (const path of [SOURCE_VERSION_FIELD, REPLICA_DELETED_FIELD]) {
    // Mongoose's strict mode would silently drop an undeclared field, and without the
    // version every event would look new.
    if (!model.schema.path(path)) {
      throw new Error(
        `${model.modelName} schema lacks the "${path}" path that version-guarded replicas need`,
      );
    }
  }
}

async function guardedUpsert(
  model: Model<never>,
  id: unknown,
  version: number,
  set: Readonly<Record<string, unknown>>,
): Promise<ReplicaApplyResult> {
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new RangeError(`aggregate version must be a non-negative integer, got ${version}`);
  }
  assertReplicaSchema(model);
  const filter = {
    _id: id,
    $or: [
      { [SOURCE_VERSION_FIELD]: { $lt: version } },
      { [SOURCE_VERSION_FIELD]: { $exists: false } },
    ],
  };
  const update = { $set: { ...set, [SOURCE_VERSION_FIELD]: version } };
  // Two tries: when two different versions of a replica that does not exist yet race (two
  // consumers briefly sharing a partition during a rebalance), the loser's insert fails with
  // a duplicate key although its version may be the newer one; the second try then sees the
  // document and compares versions properly.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await withDocumentLock(model, id, () =>
        model.updateOne(filter as never, update as never, { upsert: true }).exec(),
      );
      return 'applied';
    } catch (error) {
      // No match means the replica exists with this version or a newer one, so the upsert
      // tried to insert the same _id: that is the "stale: no effect" answer, in one round trip.
      if (isDuplicateKeyError(error)) {
        if (attempt >= 2) return 'stale';
        continue;
      }
      throw error;
    }
  }
}

/**
 * Applies a state event to a replica only if its aggregate version is newer than the one the
 * replica holds, in ONE conditional single-document upsert. A duplicate delivery (same
 * version) or an older event arriving after a newer one changes nothing and returns
 * `'stale'`. The schema must declare `sourceVersion` (Number) and `deleted` (Boolean).
 * A newer state clears `deleted`: the owner says the aggregate exists.
 */
export function upsertReplicaIfNewer<T>(
  model: Model<T>,
  id: unknown,
  version: number,
  set: Readonly<Partial<T>> | Readonly<Record<string, unknown>>,
): Promise<ReplicaApplyResult> {
  return guardedUpsert(model as unknown as Model<never>, id, version, {
    ...set,
    [REPLICA_DELETED_FIELD]: false,
  });
}

/**
 * Applies a delete (a tombstone) with the same version guard. The replica is not removed but
 * marked `deleted: true` and keeps `sourceVersion`: a document that vanished could be brought
 * back by a late, older event, while the marker makes that event stale. Readers filter
 * `deleted: { $ne: true }`. `set` may blank fields that must not outlive the delete.
 */
export function removeReplicaIfNewer<T>(
  model: Model<T>,
  id: unknown,
  version: number,
  set: Readonly<Partial<T>> | Readonly<Record<string, unknown>> = {},
): Promise<ReplicaApplyResult> {
  return guardedUpsert(model as unknown as Model<never>, id, version, {
    ...set,
    [REPLICA_DELETED_FIELD]: true,
  });
}
