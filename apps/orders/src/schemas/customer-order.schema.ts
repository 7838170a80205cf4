import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { ORDER_STATUS_TYPES, type OrderStatusType } from '@storefront/events';
import { type OutboxRecord, outboxField } from '@storefront/messaging';
import { OrderDoc } from '@storefront/model';
import type { HydratedDocument } from 'mongoose';

export const ORDERS_COLLECTION = 'orders';

/** An order as orders keeps it: the contract's order and what orders keeps beside it. */
export interface CustomerOrderDoc extends OrderDoc {
  /** The last entry's status, kept beside the history so queries need no array matching. */
  status: OrderStatusType;
  /** Set in the same update that queues the fulfillment request: it is sent once. */
  fulfillmentRequested: boolean;
  /** Ids of the status events applied to this order, so a redelivery appends nothing. */
  appliedEventIds: string[];
}

/**
 * One order of a customer, its own aggregate keyed by the order guid: a change to it writes
 * this document alone, whatever else the customer ordered. Its `version` guards every
 * read-modify-write and its `outbox` holds the fulfillment request written with the change
 * that queued it.
 */
@Schema({ collection: ORDERS_COLLECTION, versionKey: false })
export class CustomerOrder extends OrderDoc implements CustomerOrderDoc {
  /** The order guid (also in `guid`): status events carry only it. */
  @Prop({ type: String, required: true }) _id!: string;
  /** The accounts customer id of the replica the order belongs to. */
  @Prop({ type: String, required: true }) customerId!: string;
  /**
   * Sort key of a customer's orders, oldest first: creation time in epoch ms × 1000 plus the
   * order's place among the orders created in the same call (sample orders come five at a
   * time). Orders moved from the old embedded layout keep their array position (0, 1, …).
   */
  @Prop({ required: true }) placed!: number;
  @Prop({ type: String, enum: ORDER_STATUS_TYPES, required: true }) status!: OrderStatusType;
  @Prop({ required: true, default: false }) fulfillmentRequested!: boolean;
  @Prop({ type: [String], default: [] }) appliedEventIds!: string[];
  /** This order's own version: every change checks and increments it. */
  @Prop({ required: true, default: 0 }) version!: number;
  /** Events written with the change that caused them, until the relay has published them. */
  @Prop(outboxField) outbox!: OutboxRecord[];
}

export type CustomerOrderDocument = HydratedDocument<CustomerOrder>;

export const CustomerOrderSchema = SchemaFactory.createForClass(CustomerOrder);
// The reads by customer (lists, /customerOrderses, a deleted customer's open orders).
CustomerOrderSchema.index({ customerId: 1 }, { name: 'customer_id' });
