import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { ORDER_STATUS_TYPES, type OrderStatusType } from '@storefront/events';
import { type OutboxRecord, outboxField } from '@storefront/messaging';
import { AddressDoc, ContactDoc, NameDoc, OrderDoc } from '@storefront/model';
import type { HydratedDocument } from 'mongoose';

export const CUSTOMER_ORDERS_COLLECTION = 'customer.orders';

/** An order of the customer: the contract's order and what orders keeps beside it. */
@Schema({ _id: false })
export class CustomerOrderDoc extends OrderDoc {
  /** The last entry's status, kept beside the history so queries need no array matching. */
  @Prop({ type: String, enum: ORDER_STATUS_TYPES, required: true }) status!: OrderStatusType;
  /** Set in the same update that queues the fulfillment request: it is sent once. */
  @Prop({ required: true, default: false }) fulfillmentRequested!: boolean;
  /** Ids of the status events applied to this order, so a redelivery appends nothing. */
  @Prop({ type: [String], default: [] }) appliedEventIds!: string[];
}

/**
 * A customer's orders with a read-only replica of the customer, keyed by the accounts id.
 * Two writers share the document and never overwrite each other's fields: customer events set
 * only the replica fields (guarded by `sourceVersion`), order changes set only `orders` (a
 * read-modify-write guarded by `version`).
 */
@Schema({ collection: CUSTOMER_ORDERS_COLLECTION, versionKey: false })
export class CustomerOrders {
  /** The accounts customer id, from the event key. */
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ type: NameDoc, required: true }) name!: NameDoc;
  @Prop({ type: ContactDoc, required: true }) contact!: ContactDoc;
  @Prop({ type: [AddressDoc], required: true }) addresses!: AddressDoc[];
  /** Aggregate version of the last customer event applied (accounts' version). */
  @Prop({ required: true }) sourceVersion!: number;
  /** The customer was deleted in accounts; kept so late events cannot bring it back. */
  @Prop({ required: true, default: false }) deleted!: boolean;
  @Prop({ type: [CustomerOrderDoc], default: [] }) orders!: CustomerOrderDoc[];
  /** This document's own version: every order change checks and increments it. */
  @Prop({ required: true, default: 0 }) version!: number;
  /** Events written with the change that caused them, until the relay has published them. */
  @Prop(outboxField) outbox!: OutboxRecord[];
}

export type CustomerOrdersDocument = HydratedDocument<CustomerOrders>;

export const CustomerOrdersSchema = SchemaFactory.createForClass(CustomerOrders);
// Status events carry only the order guid.
CustomerOrdersSchema.index({ 'orders.guid': 1 }, { name: 'order_guid' });
