import type { Model } from 'mongoose';
import { withDocumentLock } from '../../src';

/** Field listing the ids of the events already applied to a document. */
export const APPLIED_EVENT_IDS_FIELD = 'appliedEventIds';

export type ApplyOnceResult = 'applied' | 'duplicate' | 'not-found';

type Update = Readonly<Record<string, unknown>>;

function withEventId(update: Update, eventId: string): Record<string, unknown> {
  const push = (update.$push ?? {}) as Record<string, unknown>;
  if (APPLIED_EVENT_IDS_FIELD in push) {
    throw new Error(`applyOnce manages $push.${APPLIED_EVENT_IDS_FIELD} itself`);
  }
  return { ...update, $push: { ...push, [APPLIED_EVENT_IDS_FIELD]: eventId } };
}

/**
 * The test consumer's idempotent apply (no product code needs it: orders decides duplicates in
 * its pure rules and writes through `readModifyWrite`).
 *
 * Applies an append-style event (e.g. one order status change) at most once per document:
 * ONE conditional update whose filter requires that the event id is not yet in
 * `appliedEventIds` and that pushes it in the same write. A redelivery then matches nothing.
 * `update` is a MongoDB update document (`$set`, `$push`, `$inc`, …) without positional
 * operators. Only when nothing matched does a second read tell a duplicate from a missing
 * document.
 *
 * `appliedEventIds` grows by one id per event applied to the document. That is fine for
 * aggregates with a bounded number of events (an order's status history); FerretDB 1.x has
 * no `$push` `$slice` to cap it, so unbounded streams need another design.
 */
export async function applyOnce<T>(
  model: Model<T>,
  filter: Readonly<Record<string, unknown>>,
  eventId: string,
  update: Update,
): Promise<ApplyOnceResult> {
  if (!model.schema.path(APPLIED_EVENT_IDS_FIELD)) {
    throw new Error(`${model.modelName} schema lacks the "${APPLIED_EVENT_IDS_FIELD}" path`);
  }
  // Keyed by the filter: usually `{ _id }`, which is the document lock of the other helpers.
  const lockId = '_id' in filter ? filter._id : JSON.stringify(filter);
  const result = await withDocumentLock(model, lockId, () =>
    model
      .updateOne(
        { ...filter, [APPLIED_EVENT_IDS_FIELD]: { $ne: eventId } },
        withEventId(update, eventId),
      )
      .exec(),
  );
  if (result.matchedCount > 0) return 'applied';
  const exists = await model.exists(filter).exec();
  return exists ? 'duplicate' : 'not-found';
}
