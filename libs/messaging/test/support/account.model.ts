import { type Connection, type Model, Schema } from 'mongoose';
import { serviceSource, Topics } from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import { createOutboxRecord, type OutboxDocument, type OutboxEvent, outboxField } from '../../src';

/** A small aggregate with an outbox, standing in for an accounts customer. */
export interface Account extends OutboxDocument {
  _id: string;
  lastName: string;
}

export function accountModel(db: Connection): Model<Account> {
  return db.model<Account>(
    'Account',
    new Schema<Account>({
      _id: String,
      lastName: { type: String, required: true },
      version: { type: Number, required: true },
      outbox: outboxField,
    }),
    'accounts',
  );
}

/** The customer event of an account state (the write stamps its version). */
export function accountEvent(id: string, lastName: string): OutboxEvent {
  return createOutboxRecord(
    Topics.CustomerChange,
    fixtures.aCustomerChanged({ id, name: fixtures.aName({ lastName }) }),
    { source: serviceSource('accounts') },
  );
}
