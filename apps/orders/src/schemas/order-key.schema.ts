import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export const ORDER_KEYS_COLLECTION = 'order.keys';

/**
 * Which customer's document holds an order, keyed by the order guid. Status events carry only
 * the guid; with this the service reaches the order through two `_id` lookups instead of
 * querying `orders.guid`, which FerretDB 1.24 answers by decoding every customer document
 * (ADR 0004). Written before the order itself, so a key without its order is possible (the
 * order write failed) and harmless; an order without a key (written before keys existed) is
 * found by the query and its key added then.
 */
@Schema({ collection: ORDER_KEYS_COLLECTION, versionKey: false })
export class OrderKey {
  /** The order guid. */
  @Prop({ type: String, required: true }) _id!: string;
  /** The accounts customer id: the `_id` of the customer.orders document holding the order. */
  @Prop({ type: String, required: true }) customerId!: string;
}

export const OrderKeySchema = SchemaFactory.createForClass(OrderKey);
