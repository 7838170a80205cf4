import type { Model } from 'mongoose';
import { isDuplicateKeyError } from './duplicate-key';

/**
 * A secondary key beside the aggregates (ADR 0004): a collection of `{ _id: key, <field>:
 * aggregate id }`, so a lookup by a key the aggregates embed (an order guid) is two `_id`
 * lookups instead of a query on the embedded path, which FerretDB 1.24 answers by decoding
 * every document. A key never changes once written (the key is unique and an aggregate keeps
 * its id), so a second writer's duplicate key means the same key is there. A key whose
 * aggregate does not hold it (written before a write that failed) is harmless: the lookup
 * checks the aggregate and falls back to the query, which also keys what it finds.
 */
export class KeyIndex<K extends { _id: string }, F extends Exclude<keyof K & string, '_id'>> {
  /**
   * @param keys  the key collection's model
   * @param field the key document's field holding the aggregate id
   * @param path  where the aggregates hold the key (`orders.guid`, `order.guid`)
   */
  constructor(
    private readonly keys: Model<K>,
    private readonly field: F,
    private readonly path: string,
  ) {}

  /** The aggregate id a key names, as recorded (unchecked). */
  async idOf(key: string): Promise<K[F] | undefined> {
    const entry = await this.keys.findById(key).lean<K>().exec();
    return entry?.[this.field];
  }

  /**
   * The aggregate id a key names as recorded, else (no key) the id of the aggregate the query
   * `{ <path>: key }` finds, keyed then. For callers that read the aggregate next anyway.
   */
  async resolve(
    key: string,
    query: (filter: Record<string, unknown>) => Promise<{ _id: K[F] } | null>,
  ): Promise<K[F] | undefined> {
    const id = await this.idOf(key);
    if (id !== undefined) return id;
    const doc = await query({ [this.path]: key });
    if (doc) await this.mend(key, doc._id);
    return doc?._id;
  }

  /**
   * The aggregate that holds `key`: `load` runs with `{ _id, <path>: key }` when the key is
   * recorded, else (or when that aggregate does not hold it: a wrong key) with
   * `{ <path>: key }`, and the key is set to what that finds.
   */
  async find<D extends { _id: K[F] }>(
    key: string,
    load: (filter: Record<string, unknown>) => Promise<D | null>,
  ): Promise<D | null> {
    const id = await this.idOf(key);
    if (id !== undefined) {
      const doc = await load({ _id: id, [this.path]: key });
      if (doc) return doc;
    }
    const doc = await load({ [this.path]: key });
    if (doc) await this.mend(key, doc._id);
    return doc;
  }

  /**
   * Records that the aggregate `id` holds these new keys, in one insert. A key another writer
   * recorded first (a reader that found the aggregate by its query) names the same aggregate.
   */
  async add(keys: readonly string[], id: K[F]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.keys.insertMany(
        keys.map((key) => ({ _id: key, [this.field]: id }) as unknown as K),
        { ordered: false },
      );
    } catch (error) {
      // mongoose wraps each failed insert: the driver's error is its `err`.
      const failures = (error as { writeErrors?: Array<{ err?: unknown }> }).writeErrors;
      if (!failures?.every((failure) => isDuplicateKeyError(failure.err ?? failure))) throw error;
    }
  }

  /** Sets one key to `id`, whether it was missing or named another aggregate. */
  async mend(key: string, id: K[F]): Promise<void> {
    try {
      await this.keys
        .updateOne({ _id: key }, { $set: { [this.field]: id } } as never, {
          upsert: true,
        })
        .exec();
    } catch (error) {
      // Two upserts of a missing key at once: the loser's insert meets the winner's key,
      // which names the same aggregate.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /** Forgets a key that names an aggregate which is gone, so the key can be written again. */
  async remove(key: string, id: K[F]): Promise<void> {
    await this.keys.deleteOne({ _id: key, [this.field]: id }).exec();
  }
}
