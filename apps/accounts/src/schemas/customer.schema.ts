import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { outboxField, type OutboxRecord } from '@storefront/messaging';
import { AddressDoc, ContactDoc, NameDoc } from '@storefront/model';
import type { HydratedDocument, Types } from 'mongoose';
import { CREDIT_CARD_TYPES, type CreditCardType } from '../customer.rules';

export const CUSTOMER_COLLECTION = 'customer.accounts';

@Schema({ _id: false })
export class CreditCardDoc {
  @Prop({ required: true, enum: CREDIT_CARD_TYPES, type: String }) type!: CreditCardType;
  @Prop({ required: true }) description!: string;
  /** Plain, or sealed (`enc:v1:…`) when CARD_ENCRYPTION_KEY is set; never returned in full. */
  @Prop({ required: true }) number!: string;
  @Prop({ required: true }) expiration!: string;
  @Prop({ required: true }) nameOnCard!: string;
}

/**
 * The original's `Customer` in `accounts`/`customer.accounts`, plus a version and timestamps.
 * A deleted customer stays as a marker without personal data (`deletedAt` set) while its
 * tombstone waits in the outbox, and afterwards so that a re-created sample customer (same
 * id) continues its version sequence and replicas never take it for a stale event.
 */
@Schema({
  collection: CUSTOMER_COLLECTION,
  timestamps: true,
  versionKey: false,
  toJSON: {
    transform: (_doc, ret: Record<string, unknown>) => {
      const { _id, outbox: _outbox, creditCards: _cards, ...rest } = ret;
      return { id: String(_id), ...rest };
    },
  },
})
export class Customer {
  @Prop({ type: NameDoc }) name?: NameDoc;
  @Prop({ type: ContactDoc }) contact?: ContactDoc;
  @Prop({ type: [AddressDoc], default: undefined }) addresses?: AddressDoc[];
  @Prop({ type: [CreditCardDoc], default: undefined }) creditCards?: CreditCardDoc[];
  /** Increments on every write, the delete included; events carry it as the aggregate version. */
  @Prop({ required: true, min: 1 }) version!: number;
  /** Set when the customer was deleted; the personal data is gone, the version stays. */
  @Prop() deletedAt?: Date;
  /** Events written with the change, until the relay has published them. */
  @Prop(outboxField) outbox!: OutboxRecord[];
}

export type CustomerDocument = HydratedDocument<Customer>;
/** A document as read (lean): with its id and the timestamps mongoose maintains. */
export type CustomerRecord = Customer & { _id: Types.ObjectId; createdAt: Date; updatedAt: Date };

export const CustomerSchema = SchemaFactory.createForClass(Customer);
