import { Logger } from '@nestjs/common';
import type { Model } from 'mongoose';
import { errorMessage } from '../util/delay';
import { documentLocksEnabled, withDocumentLock } from '../util/document-lock';
import type { OutboxRecord } from './outbox-record';
import { DELETE_PENDING_FIELD, OUTBOX_FIELD } from './outbox.schema';

/** Published records waiting to be removed from one document. */
interface Removal {
  readonly id: unknown;
  readonly records: OutboxRecord[];
  deletePending: boolean;
}

/** Removals wait this long for company, so many documents' removals share one command. */
const REMOVAL_DELAY_MS = 20;
const REMOVAL_BATCH = 100;

/**
 * The relay's removal of published records, batched: one bulk `update` command carries the
 * removals of up to REMOVAL_BATCH documents, sent at most REMOVAL_DELAY_MS after the first of
 * them (instead of one `$pullAll` per change).
 */
export class PublishedRemovals {
  private readonly removals = new Map<string, Removal>();
  private removalTimer: NodeJS.Timeout | undefined;
  private removing: Promise<void> = Promise.resolve();

  constructor(
    private readonly model: Model<never>,
    private readonly logger: Logger,
  ) {}

  /** Queues the removal of published records (and the delete of a deletePending document). */
  queue(id: unknown, records: readonly OutboxRecord[], deletePending: boolean): void {
    const key = String(id);
    const queued = this.removals.get(key);
    if (queued) {
      const known = new Set(queued.records.map((record) => record.id));
      queued.records.push(...records.filter((record) => !known.has(record.id)));
      queued.deletePending ||= deletePending;
    } else {
      this.removals.set(key, { id, records: [...records], deletePending });
    }
    if (this.removals.size >= REMOVAL_BATCH) void this.flush();
    else this.removalTimer ??= setTimeout(() => void this.flush(), REMOVAL_DELAY_MS);
  }

  /**
   * Removes the queued records with one bulk `update` (a `$pullAll` of the exact records per
   * document: events appended meanwhile stay), then deletes the deletePending documents left
   * without events. A failure leaves the records in place: the sweeper publishes them again
   * (consumers deduplicate on the event id) and removes them then. Flushes run one at a time.
   */
  flush(): Promise<void> {
    if (this.removalTimer) clearTimeout(this.removalTimer);
    this.removalTimer = undefined;
    if (this.removals.size === 0) return this.removing;
    const batch = [...this.removals.values()];
    this.removals.clear();
    this.removing = this.removing.then(() => this.remove(batch));
    return this.removing;
  }

  private async remove(batch: readonly Removal[]): Promise<void> {
    const pulls = batch
      .filter((removal) => removal.records.length > 0)
      .map((removal) => ({
        updateOne: {
          filter: { _id: removal.id },
          update: { $pullAll: { [OUTBOX_FIELD]: removal.records } },
        },
      }));
    // Conditional, single-document: deletes only if no event was appended in between.
    const deletes = batch
      .filter((removal) => removal.deletePending)
      .map((removal) => ({
        deleteOne: {
          filter: {
            _id: removal.id,
            [DELETE_PENDING_FIELD]: true,
            [`${OUTBOX_FIELD}.0`]: { $exists: false },
          },
        },
      }));
    try {
      for (const operations of [pulls, deletes]) {
        if (operations.length === 0) continue;
        if (documentLocksEnabled()) {
          // A stock FerretDB: each removal under its document's lock, one command each.
          for (const operation of operations) {
            const { filter } = 'updateOne' in operation ? operation.updateOne : operation.deleteOne;
            await withDocumentLock(this.model, filter._id, () =>
              this.model.collection.bulkWrite([operation as never]),
            );
          }
        } else {
          await this.model.collection.bulkWrite(operations as never[], { ordered: false });
        }
      }
    } catch (error) {
      this.logger.warn(
        `removing published events of ${batch.length} documents failed, left for the sweeper: ${errorMessage(error)}`,
      );
    }
  }
}
