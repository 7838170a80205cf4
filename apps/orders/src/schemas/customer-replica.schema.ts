import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { AddressDoc, ContactDoc, NameDoc } from '@storefront/model';
import type { HydratedDocument } from 'mongoose';

/** The original's collection name; it now holds the replicas, each order is its own document. */
export const CUSTOMER_ORDERS_COLLECTION = 'customer.orders';

/**
 * The read-only replica of an accounts customer, keyed by the accounts id: what accounts last
 * reported, guarded by `sourceVersion`. Its orders live in `orders` (`CustomerOrder`), so a
 * customer event and an order change never write the same document; a new order appends its
 * guid to `orderIds`.
 */
@Schema({ collection: CUSTOMER_ORDERS_COLLECTION, versionKey: false })
export class CustomerReplica {
  /** The accounts customer id, from the event key. */
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ type: NameDoc, required: true }) name!: NameDoc;
  @Prop({ type: ContactDoc, required: true }) contact!: ContactDoc;
  @Prop({ type: [AddressDoc], required: true }) addresses!: AddressDoc[];
  /** Aggregate version of the last customer event applied (accounts' version). */
  @Prop({ required: true }) sourceVersion!: number;
  /** The customer was deleted in accounts; kept so late events cannot bring it back. */
  @Prop({ required: true, default: false }) deleted!: boolean;
  /**
   * Guids of the customer's orders, oldest first: a customer's orders are read by `_id`
   * (FerretDB 1.24 answers a query on `customerId` by reading every order of every customer).
   * Appended before the order's document is written, so a guid whose write failed has no
   * document and is skipped. Orders' own field: customer events never set it.
   */
  @Prop({ type: [String], default: [] }) orderIds!: string[];
}

export type CustomerReplicaDocument = HydratedDocument<CustomerReplica>;

export const CustomerReplicaSchema = SchemaFactory.createForClass(CustomerReplica);
