import type { Collection, Document } from 'mongodb';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from './duplicate-key';

/** How many keys the start-up backfill inserts per command. */
const BACKFILL_BATCH = 500;

/**
 * A secondary key beside the aggregates (ADR 0004): a collection of `{ _id: key, <field>:
 * aggregate id }`, so a lookup by a key the aggregates embed (an order guid) is two `_id`
 * lookups instead of a query on the embedded path, which FerretDB 1.24 answers by decoding
 * every document.
 *
 * The key is claimed before its aggregate is written, with the id the aggregate will get, so
 * a key that is not there means that no aggregate holds it: a lookup of an unknown key costs
 * one `_id` read whatever the collection holds. A key whose aggregate is not there (the writer
 * died between the two writes, or the aggregate was lost) names the id the next write of that
 * aggregate uses. Aggregates from before keys were claimed first are keyed by `backfill` at
 * start-up.
 */
export class KeyIndex<K extends { _id: string }, F extends Exclude<keyof K & string, '_id'>> {
  /**
   * @param keys  the key collection's model
   * @param field the key document's field holding the aggregate id
   * @param path  where the aggregates hold the key (`order.guid`)
   */
  constructor(
    private readonly keys: Model<K>,
    private readonly field: F,
    private readonly path: string,
  ) {}

  /** The aggregate id a key names, as recorded; none means no aggregate holds the key. */
  async idOf(key: string): Promise<K[F] | undefined> {
    const entry = await this.keys.findById(key).lean<K>().exec();
    return entry?.[this.field];
  }

  /**
   * Claims `key` for a new aggregate with id `id`, before it is written. `claimed` is false
   * when the key was there: `id` is then the one recorded (another writer's, or a previous
   * attempt's whose aggregate may or may not have been written).
   */
  async claim(key: string, id: K[F]): Promise<{ id: K[F]; claimed: boolean }> {
    try {
      await this.keys.collection.insertOne({ _id: key, [this.field]: id } as Document);
      return { id, claimed: true };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const recorded = await this.idOf(key);
    // A key is never removed, so the one that refused the insert is still there.
    if (recorded === undefined) throw new Error(`key ${key} refused an insert but is not there`);
    return { id: recorded, claimed: false };
  }

  /** Sets one key to `id`: for an aggregate written without its key claimed first. */
  async mend(key: string, id: K[F]): Promise<void> {
    try {
      await this.keys
        .updateOne({ _id: key }, { $set: { [this.field]: id } } as never, { upsert: true })
        .exec();
    } catch (error) {
      // Two upserts of a missing key at once: the loser's insert meets the winner's key,
      // which names the same aggregate.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /**
   * Keys every aggregate that has no key (written before keys were claimed first, by an
   * older version), so that a missing key means no aggregate from then on. Cheap when there
   * is nothing to do: this version writes a key before each aggregate, so keys fewer than
   * aggregates is the only sign of unkeyed ones, and only then are the aggregates read.
   * Run at start-up before the app serves or consumes; idempotent and safe to run from
   * several instances at once (an existing key is never overwritten).
   */
  async backfill(aggregates: Collection): Promise<number> {
    const [keyCount, aggregateCount] = await Promise.all([
      this.keys.collection.countDocuments(),
      aggregates.countDocuments(),
    ]);
    if (keyCount >= aggregateCount) return 0;
    const segments = this.path.split('.');
    let added = 0;
    let batch: Document[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      added += await this.insertMissing(batch);
      batch = [];
    };
    for await (const doc of aggregates.find({}, { projection: { [this.path]: 1 } })) {
      const key = segments.reduce<unknown>(
        (value, segment) => (value as Record<string, unknown> | undefined)?.[segment],
        doc,
      );
      if (typeof key !== 'string') continue;
      batch.push({ _id: key, [this.field]: doc._id });
      if (batch.length >= BACKFILL_BATCH) await flush();
    }
    await flush();
    return added;
  }

  /** Inserts the keys that are not there; returns how many it inserted. */
  private async insertMissing(entries: Document[]): Promise<number> {
    try {
      const result = await this.keys.collection.insertMany(entries, { ordered: false });
      return result.insertedCount;
    } catch (error) {
      const failures = (error as { writeErrors?: unknown[] }).writeErrors;
      if (!failures?.every((failure) => isDuplicateKeyError(failure))) throw error;
      return entries.length - failures.length;
    }
  }
}
