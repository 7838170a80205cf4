import { Schema, type SchemaDefinitionProperty } from 'mongoose';
import type { OutboxRecord } from './outbox-record';

/**
 * Mongoose sub-schema of a pending event. No `_id`: the relay removes published records with
 * `$pullAll` of the exact sub-documents it read, and nothing must be added to them.
 */
export const OutboxRecordSchema = new Schema<OutboxRecord>(
  {
    id: { type: String, required: true },
    topic: { type: String, required: true },
    key: { type: String, required: true },
    type: { type: String, required: true },
    schemaVersion: { type: Number, required: true },
    source: { type: String, required: true },
    payload: { type: String, default: null },
    occurredAt: { type: Date, required: true },
    aggregateVersion: { type: Number, required: true },
    correlationId: { type: String, required: true },
    traceparent: { type: String, required: true },
  },
  { _id: false, id: false },
);

/** The `outbox` path of an aggregate schema: `@Prop(outboxField) outbox!: OutboxRecord[]`. */
export const outboxField: SchemaDefinitionProperty<OutboxRecord[]> = {
  type: [OutboxRecordSchema],
  default: [],
};

/** Field names the outbox helpers own; services must not `$set` them themselves. */
export const OUTBOX_FIELD = 'outbox';
export const VERSION_FIELD = 'version';

/** What an aggregate document carries for the outbox helpers. */
export interface OutboxDocument {
  version: number;
  outbox: OutboxRecord[];
}
