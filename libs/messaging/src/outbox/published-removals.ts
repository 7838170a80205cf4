import { Logger } from '@nestjs/common';
import type { Model } from 'mongoose';
import { errorMessage } from '../util/delay';
import { documentLocksEnabled, withDocumentLock } from '../util/document-lock';
import type { OutboxRecord } from './outbox-record';
import { OUTBOX_FIELD } from './outbox.schema';

/** Published records waiting to be removed from one document. */
interface Removal {
  readonly id: unknown;
  readonly records: OutboxRecord[];
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

  /** Queues the removal of published records. */
  queue(id: unknown, records: readonly OutboxRecord[]): void {
    const key = String(id);
    const queued = this.removals.get(key);
    if (queued) {
      const known = new Set(queued.records.map((record) => record.id));
      queued.records.push(...records.filter((record) => !known.has(record.id)));
    } else {
      this.removals.set(key, { id, records: [...records] });
    }
    if (this.removals.size >= REMOVAL_BATCH) void this.flush();
    else this.removalTimer ??= setTimeout(() => void this.flush(), REMOVAL_DELAY_MS);
  }

  /**
   * Removes the queued records with one bulk `update` (a `$pullAll` of the exact records per
   * document: events appended meanwhile stay). A failure leaves the records in place: the sweeper publishes them again
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
    if (pulls.length === 0) return;
    try {
      if (documentLocksEnabled()) {
        // A stock FerretDB: each removal under its document's lock, one command each.
        for (const pull of pulls) {
          await withDocumentLock(this.model, pull.updateOne.filter._id, () =>
            this.model.collection.bulkWrite([pull as never]),
          );
        }
      } else {
        await this.model.collection.bulkWrite(pulls as never[], { ordered: false });
      }
    } catch (error) {
      this.logger.warn(
        `removing published events of ${batch.length} documents failed, left for the sweeper: ${errorMessage(error)}`,
      );
    }
  }
}
