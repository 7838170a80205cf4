import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Types } from 'mongoose';

export const FULFILLMENT_KEYS_COLLECTION = 'fulfillment.keys';

/**
 * Which fulfillment belongs to an order, keyed by the order guid: requests and the step
 * endpoints name the order guid, and with this they reach the fulfillment through two `_id`
 * lookups instead of querying `order.guid`, which FerretDB 1.24 answers by decoding every
 * fulfillment (ADR 0004). Claimed before the fulfillment is written, with the id it gets, so
 * an order guid without a key has no fulfillment; fulfillments stored before keys were claimed
 * first are keyed at start-up.
 */
@Schema({ collection: FULFILLMENT_KEYS_COLLECTION, versionKey: false })
export class FulfillmentKey {
  /** The order guid. */
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ type: Types.ObjectId, required: true }) fulfillmentId!: Types.ObjectId;
}

export const FulfillmentKeySchema = SchemaFactory.createForClass(FulfillmentKey);
