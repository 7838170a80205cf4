import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { RANDOM_SOURCE, type RandomSource } from '@storefront/platform';
import type { Model } from 'mongoose';
import { currentStatus, NO_SHIPPING_ADDRESS, placement, reachedFulfillment } from './order.rules';
import { noApprovedOrders, noCustomers, noneFulfillable } from './orders.errors';
import { sampleOrders } from './orders.sample';
import { findShippingAddress } from './fulfillment-request';
import { LIVE, OrdersService } from './orders.service';
import { CustomerOrder } from './schemas/customer-order.schema';
import { CustomerReplica } from './schemas/customer-replica.schema';

export interface SentOrder {
  /** Customer id. */
  customerId: string;
  /** Order guid, the key of the fulfillment request. */
  guid: string;
}

export interface SkippedOrder extends SentOrder {
  /** Why the order was not sent. */
  reason: string;
}

export interface FulfillmentReport {
  sent: SentOrder[];
  skipped: SkippedOrder[];
}

export interface SampleOrdersReport {
  customers: number;
  orders: number;
}

/**
 * The original's two demo endpoints that work on every customer at once:
 * `/customers/sample/orders` and `/customers/sample/fulfill`. Each order they change is
 * written alone, through the same read-modify-write as the order API.
 */
@Injectable()
export class SampleOrdersService {
  private readonly logger = new Logger(SampleOrdersService.name);

  constructor(
    @InjectModel(CustomerOrder.name) private readonly orders: Model<CustomerOrder>,
    @InjectModel(CustomerReplica.name) private readonly replicas: Model<CustomerReplica>,
    private readonly service: OrdersService,
    @Inject(RANDOM_SOURCE) private readonly random: RandomSource,
  ) {}

  /**
   * `/customers/sample/fulfill`: every APPROVED order not yet sent goes to fulfillment, once.
   * The flag and the outbox record are written together, so a second call finds nothing and a
   * crash before publishing leaves the record for the sweeper. A customer without a SHIPPING
   * address is skipped with the reason. Throws the original's 404 when there was nothing.
   */
  async requestFulfillment(now = Date.now()): Promise<FulfillmentReport> {
    const waiting = await this.orders
      .find({ status: 'APPROVED', fulfillmentRequested: false })
      .select({ _id: 1, customerId: 1, placed: 1 })
      .sort({ customerId: 1, placed: 1, _id: 1 })
      .lean<Array<Pick<CustomerOrder, '_id' | 'customerId'>>>()
      .exec();
    const report: FulfillmentReport = { sent: [], skipped: [] };
    const byCustomer = new Map<string, string[]>();
    for (const { _id, customerId } of waiting) {
      byCustomer.set(customerId, [...(byCustomer.get(customerId) ?? []), _id]);
    }
    for (const [customerId, guids] of byCustomer) {
      // A deleted customer's open orders are closed by its tombstone: nothing to send.
      const customer = await this.replicas
        .findOne({ _id: customerId, ...LIVE })
        .lean<CustomerReplica>()
        .exec();
      if (!customer) continue;
      const address = findShippingAddress(customer.addresses);
      for (const guid of guids) {
        if (!address) report.skipped.push({ customerId, guid, reason: NO_SHIPPING_ADDRESS });
        else if (await this.service.sendIfAwaiting(customer, address, guid, now)) {
          report.sent.push({ customerId, guid });
        }
      }
    }
    for (const skipped of report.skipped) {
      this.logger.warn(
        `Order ${skipped.guid} of customer ${skipped.customerId} not sent for fulfillment: ${skipped.reason}`,
      );
    }
    if (report.sent.length === 0 && report.skipped.length === 0) {
      throw noApprovedOrders();
    }
    if (report.sent.length === 0) {
      throw noneFulfillable(report.skipped);
    }
    return report;
  }

  /**
   * `/customers/sample/orders`: the original's five canned orders for every customer replica,
   * added beside the orders the customer already has (one insert per customer; they publish
   * nothing). 404 when no replica exists yet: accounts' events have not arrived.
   */
  async addSampleOrders(now = Date.now()): Promise<SampleOrdersReport> {
    const customers = await this.replicas
      .find(LIVE)
      .select({ _id: 1 })
      .sort({ _id: 1 })
      .lean<Array<{ _id: string }>>()
      .exec();
    let added = 0;
    let updated = 0;
    for (const { _id: customerId } of customers) {
      const orders = sampleOrders(this.random, now, randomUUID).map((sample, index) => ({
        ...sample,
        _id: sample.guid,
        customerId,
        placed: placement(now, index),
        status: currentStatus(sample.orderStatusEvents),
        fulfillmentRequested: reachedFulfillment(sample.orderStatusEvents),
        appliedEventIds: [],
        version: 1,
        outbox: [],
      }));
      const guids = orders.map((order) => order._id);
      // Deleted since the query: nothing to add.
      if (!(await this.service.listOrderIds(customerId, guids))) continue;
      await this.orders.insertMany(orders);
      // Deleted meanwhile: its new orders are closed, and it counts for nothing.
      if (await this.service.closedAsDeleted(customerId)) continue;
      updated += 1;
      added += orders.length;
    }
    if (updated === 0) {
      throw noCustomers();
    }
    return { customers: updated, orders: added };
  }
}
