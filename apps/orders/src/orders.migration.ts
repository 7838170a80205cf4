import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { OutboxRecord } from '@storefront/messaging';
import { isDuplicateKeyError } from '@storefront/platform';
import type { Model } from 'mongoose';
import { CustomerOrder, type CustomerOrderDoc } from './schemas/customer-order.schema';
import { CustomerReplica } from './schemas/customer-replica.schema';

/** A `customer.orders` document as versions before the order documents wrote it. */
export interface LegacyCustomerOrders {
  readonly _id: string;
  readonly orders?: readonly Partial<CustomerOrderDoc>[];
  readonly outbox?: readonly OutboxRecord[];
  readonly version?: number;
}

/** Fields of the old layout that leave the replica once its orders are documents of their own. */
const LEGACY_FIELDS = { orders: '', outbox: '', version: '' } as const;

/**
 * The order documents of one old-layout customer document: its orders in their array order
 * (`placed` 0, 1, …, before any order placed since), each with the customer document's
 * version, so the version on an order's events never goes back, and with the pending events
 * of that order (the fulfillment requests, keyed by its guid).
 */
export function legacyOrderDocuments(doc: LegacyCustomerOrders): CustomerOrder[] {
  const version = doc.version ?? 0;
  return (doc.orders ?? []).map((order, index) => {
    const guid = String(order.guid);
    return {
      _id: guid,
      guid,
      customerId: doc._id,
      placed: index,
      orderStatusEvents: order.orderStatusEvents ?? [],
      orderItems: order.orderItems ?? [],
      status: order.status ?? 'CREATED',
      fulfillmentRequested: order.fulfillmentRequested ?? false,
      appliedEventIds: order.appliedEventIds ?? [],
      version,
      outbox: (doc.outbox ?? []).filter((record) => record.key === guid),
    };
  });
}

/** Events of an old document that belong to none of its orders (none are ever written). */
export function strayRecords(doc: LegacyCustomerOrders): OutboxRecord[] {
  const guids = new Set((doc.orders ?? []).map((order) => String(order.guid)));
  return (doc.outbox ?? []).filter((record) => !guids.has(record.key));
}

/**
 * The one-time move from the old layout (every order embedded in its customer's
 * `customer.orders` document) to one document per order. Run at start-up before the app
 * serves or consumes anything; idempotent, so a crash halfway is finished by the next start
 * and several instances may run it at once: an order document already there is never
 * overwritten (the insert's duplicate key), and the old fields leave the replica (which lists
 * its orders' guids from then on) only by an update guarded by the version the move read. An older instance still writing the old layout
 * meanwhile is not supported: stop those before starting this version (README).
 */
@Injectable()
export class LegacyLayoutMigration {
  private readonly logger = new Logger(LegacyLayoutMigration.name);

  constructor(
    @InjectModel(CustomerReplica.name) private readonly replicas: Model<CustomerReplica>,
    @InjectModel(CustomerOrder.name) private readonly orders: Model<CustomerOrder>,
  ) {}

  /** Moves every old-layout document; returns how many orders it moved. */
  async run(): Promise<number> {
    const legacy = this.replicas.collection.find<LegacyCustomerOrders>(
      { orders: { $exists: true } },
      { projection: { orders: 1, outbox: 1, version: 1 } },
    );
    let customers = 0;
    let moved = 0;
    for await (const doc of legacy) {
      const stray = strayRecords(doc);
      if (stray.length > 0) {
        // Never written by any version; kept where they are rather than lost.
        this.logger.warn(`customer ${doc._id}: ${stray.length} event(s) of no order, left as is`);
        continue;
      }
      moved += await this.insertMissing(legacyOrderDocuments(doc));
      await this.replicas.collection.updateOne(
        {
          _id: doc._id,
          version: doc.version === undefined ? { $exists: false } : doc.version,
        } as never,
        {
          $set: { orderIds: (doc.orders ?? []).map((order) => String(order.guid)) },
          $unset: LEGACY_FIELDS,
        },
      );
      customers += 1;
    }
    if (customers > 0) {
      this.logger.log(
        `moved ${moved} order(s) of ${customers} customer(s) to order documents (old layout)`,
      );
    }
    return moved;
  }

  /** Inserts the documents that are not there yet; returns how many it inserted. */
  private async insertMissing(docs: CustomerOrder[]): Promise<number> {
    if (docs.length === 0) return 0;
    try {
      const result = await this.orders.collection.insertMany(docs as never[], { ordered: false });
      return result.insertedCount;
    } catch (error) {
      const { writeErrors, insertedCount } = error as {
        writeErrors?: unknown;
        insertedCount?: number;
      };
      const errors: unknown[] = Array.isArray(writeErrors) ? writeErrors : [writeErrors ?? error];
      if (!errors.every(isDuplicateKeyError)) throw error;
      return insertedCount ?? 0;
    }
  }
}
