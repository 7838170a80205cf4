import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import {
  type FulfillmentRequestedInput,
  type OrderStatusChanged,
  serviceSource,
  Topics,
} from '@storefront/events';
import {
  type CollectionRelay,
  createOutboxRecord,
  type OutboxEvent,
  OutboxRelay,
  type WriteDecision,
} from '@storefront/messaging';
import {
  type AddressDoc,
  toAddressView,
  toContactView,
  toContractOrder,
  toNameView,
  toOrderItemDoc,
} from '@storefront/model';
import { DomainError, KeyIndex, RANDOM_SOURCE, type RandomSource } from '@storefront/platform';
import type { Model } from 'mongoose';
import { type OrderView, toOrderView } from './dto/customer-orders.view';
import type { CreateOrderDto } from './dto/order.dto';
import {
  awaitsFulfillment,
  canonicalHistory,
  checkAction,
  closeOpenOrders,
  currentStatus,
  INITIAL_STATUS,
  insertStatus,
  type OrderAction,
  reachedFulfillment,
  sameHistory,
  withStatus,
} from './order.rules';
import {
  customerNotFound,
  illegalTransition,
  NO_APPROVED_ORDERS_MESSAGE,
  orderNotFound,
  OrdersErrors,
  versionConflict,
} from './orders.errors';
import { sampleOrders } from './orders.sample';
import { CustomerOrders, type CustomerOrderDoc } from './schemas/customer-orders.schema';
import { OrderKey } from './schemas/order-key.schema';

/** Replicas of accounts' customers are live until accounts deletes them. */
const LIVE = { deleted: { $ne: true } } as const;

const ORDERS_SOURCE = serviceSource('orders');

/** Status note on the open orders of a customer deleted in accounts. */
export const CUSTOMER_DELETED_NOTE = 'Customer account deleted';

/** Outcome of one read-modify-write: a new `orders` array (plus events), or nothing to write. */
type Decision<R> =
  | { readonly write: false; readonly result: R }
  | {
      readonly write: true;
      readonly orders: CustomerOrderDoc[];
      readonly events?: readonly OutboxEvent[];
      readonly result: R;
    };

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

export type StatusOutcome = 'applied' | 'duplicate';

/** What re-emitting one order's fulfillment request did. */
export interface RepublishedRequest {
  guid: string;
  outcome: 'requested' | 'not-found' | 'not-requestable';
  /** Why it was not re-emitted. */
  reason?: string;
}

function findShippingAddress(addresses: readonly AddressDoc[]): AddressDoc | undefined {
  return addresses.find((address) => address.type === 'SHIPPING');
}

const NO_SHIPPING_ADDRESS = 'the customer has no SHIPPING address';

/**
 * Orders of a customer, embedded in the customer's document as in the original. Every change
 * to the orders is a read-modify-write of the whole `orders` array guarded by the document
 * version (FerretDB has no positional updates), retried a few times on a conflict; events
 * leave through the outbox in the same single-document update (the messaging lib's
 * `readModifyWrite`).
 */
@Injectable()
export class OrdersService implements OnModuleInit {
  private readonly logger = new Logger(OrdersService.name);
  private outbox!: CollectionRelay<CustomerOrders>;
  private readonly orderKeys: KeyIndex<OrderKey, 'customerId'>;

  constructor(
    @InjectModel(CustomerOrders.name) private readonly model: Model<CustomerOrders>,
    @InjectModel(OrderKey.name) keys: Model<OrderKey>,
    private readonly relay: OutboxRelay,
    @Inject(RANDOM_SOURCE) private readonly random: RandomSource,
  ) {
    this.orderKeys = new KeyIndex(keys, 'customerId', 'orders.guid');
  }

  onModuleInit(): void {
    this.outbox = this.relay.watch(this.model);
  }

  /** A new order for a known customer: CREATED now. */
  async createOrder(customerId: string, dto: CreateOrderDto, now = Date.now()): Promise<OrderView> {
    const order: CustomerOrderDoc = {
      guid: randomUUID(),
      orderStatusEvents: [{ timestamp: now, orderStatusType: INITIAL_STATUS, note: null }],
      orderItems: dto.orderItems.map(toOrderItemDoc),
      status: INITIAL_STATUS,
      fulfillmentRequested: false,
      appliedEventIds: [],
    };
    await this.loadCustomer(customerId); // 404 before anything is written
    await this.addKeys(customerId, [order]);
    return this.readModifyWrite(
      () => this.loadCustomer(customerId),
      (doc) => ({
        write: true,
        orders: [...(doc.orders ?? []), order],
        result: toOrderView(order),
      }),
    );
  }

  async listOrders(customerId: string): Promise<OrderView[]> {
    const doc = await this.loadCustomer(customerId);
    return (doc.orders ?? []).map(toOrderView);
  }

  async getOrder(customerId: string, guid: string): Promise<OrderView> {
    const doc = await this.loadCustomer(customerId);
    return toOrderView(findOrder(doc, guid));
  }

  /** approve / reject / cancel; 409 when the lifecycle does not allow it. Publishes nothing. */
  async act(
    customerId: string,
    guid: string,
    action: OrderAction,
    note: string | null = null,
  ): Promise<OrderView> {
    return this.readModifyWrite(
      () => this.loadCustomer(customerId),
      (doc) => {
        const order = findOrder(doc, guid);
        const check = checkAction(order, action);
        if (!check.ok) throw illegalTransition(guid, check.reason);
        const changed = withStatus(order, check.value, Date.now(), note);
        return { write: true, orders: replaceOrder(doc, changed), result: toOrderView(changed) };
      },
    );
  }

  /**
   * Sends one APPROVED order to fulfillment. Idempotent: an order already sent is returned as
   * it is and nothing is sent again.
   */
  async fulfillOrder(customerId: string, guid: string): Promise<OrderView> {
    return this.readModifyWrite(
      () => this.loadCustomer(customerId),
      (doc) => {
        const order = findOrder(doc, guid);
        if (order.fulfillmentRequested) return { write: false, result: toOrderView(order) };
        if (!awaitsFulfillment(order)) {
          throw illegalTransition(
            guid,
            `only APPROVED orders can be sent for fulfillment; this one is ${order.status}`,
          );
        }
        const address = findShippingAddress(doc.addresses);
        if (!address) {
          throw new DomainError(
            OrdersErrors.NotFulfillable,
            `Order ${guid} cannot be sent for fulfillment: ${NO_SHIPPING_ADDRESS}`,
            { customerId, guid },
          );
        }
        const sent = { ...order, fulfillmentRequested: true };
        return {
          write: true,
          orders: replaceOrder(doc, sent),
          events: [this.fulfillmentRecord(doc, address, order)],
          result: toOrderView(sent),
        };
      },
    );
  }

  /**
   * `/customers/sample/fulfill`: every APPROVED order not yet sent goes to fulfillment, once.
   * The flag and the outbox record are written together, so a second call finds nothing and a
   * crash before publishing leaves the record for the sweeper. A customer without a SHIPPING
   * address is skipped with the reason. Throws the original's 404 when there was nothing.
   */
  async requestFulfillment(now = Date.now()): Promise<FulfillmentReport> {
    const candidates = await this.model
      .find({ ...LIVE, 'orders.status': 'APPROVED', 'orders.fulfillmentRequested': false })
      .select({ _id: 1 })
      .sort({ _id: 1 })
      .lean<Array<{ _id: string }>>()
      .exec();
    const report: FulfillmentReport = { sent: [], skipped: [] };
    for (const { _id: customerId } of candidates) {
      const part = await this.readModifyWrite(
        () =>
          this.model
            .findOne({ _id: customerId, ...LIVE })
            .lean<CustomerOrders>()
            .exec(),
        (doc): Decision<FulfillmentReport> => {
          const waiting = (doc.orders ?? []).filter(awaitsFulfillment);
          const address = findShippingAddress(doc.addresses);
          if (waiting.length === 0) return { write: false, result: { sent: [], skipped: [] } };
          if (!address) {
            const skipped = waiting.map((o) => ({
              customerId,
              guid: o.guid,
              reason: NO_SHIPPING_ADDRESS,
            }));
            return { write: false, result: { sent: [], skipped } };
          }
          const guids = new Set(waiting.map((o) => o.guid));
          return {
            write: true,
            orders: doc.orders.map((o) =>
              guids.has(o.guid) ? { ...o, fulfillmentRequested: true } : o,
            ),
            events: waiting.map((o) => this.fulfillmentRecord(doc, address, o, now)),
            result: { sent: waiting.map((o) => ({ customerId, guid: o.guid })), skipped: [] },
          };
        },
        // The customer may have been deleted since the query: nothing to send for it.
        { sent: [], skipped: [] },
      );
      report.sent.push(...part.sent);
      report.skipped.push(...part.skipped);
    }
    for (const skipped of report.skipped) {
      this.logger.warn(
        `Order ${skipped.guid} of customer ${skipped.customerId} not sent for fulfillment: ${skipped.reason}`,
      );
    }
    if (report.sent.length === 0 && report.skipped.length === 0) {
      throw new DomainError(OrdersErrors.NoApprovedOrders, NO_APPROVED_ORDERS_MESSAGE);
    }
    if (report.sent.length === 0) {
      throw new DomainError(
        OrdersErrors.NotFulfillable,
        `No 'Approved' order could be sent for fulfillment: ${report.skipped
          .map((s) => `order ${s.guid} of customer ${s.customerId}: ${s.reason}`)
          .join('; ')}`,
        { skipped: report.skipped },
      );
    }
    return report;
  }

  /**
   * `/customers/sample/orders`: the original's five canned orders for every customer replica,
   * appended (never replacing orders the customer already has). 404 when no replica exists
   * yet: accounts' events have not arrived.
   */
  async addSampleOrders(now = Date.now()): Promise<SampleOrdersReport> {
    const customers = await this.model
      .find(LIVE)
      .select({ _id: 1 })
      .sort({ _id: 1 })
      .lean<Array<{ _id: string }>>()
      .exec();
    let added = 0;
    let updated = 0;
    for (const { _id } of customers) {
      // Drawn once per customer, so a retried write does not change what a seed produces.
      const orders: CustomerOrderDoc[] = sampleOrders(this.random, now, randomUUID).map(
        (sample) => ({
          ...sample,
          status: currentStatus(sample.orderStatusEvents),
          fulfillmentRequested: reachedFulfillment(sample.orderStatusEvents),
          appliedEventIds: [],
        }),
      );
      await this.addKeys(_id, orders);
      const written = await this.readModifyWrite(
        () =>
          this.model
            .findOne({ _id, ...LIVE })
            .lean<CustomerOrders>()
            .exec(),
        (doc): Decision<boolean> => ({
          write: true,
          orders: [...(doc.orders ?? []), ...orders],
          result: true,
        }),
        // Deleted since the query: nothing to add.
        false,
      );
      if (written) {
        updated += 1;
        added += orders.length;
      }
    }
    if (updated === 0) {
      throw new DomainError(
        OrdersErrors.NoCustomers,
        'No customers to add sample orders to: create them in accounts first ' +
          '(/accounts/customers/sample) and let orders receive their change events',
      );
    }
    return { customers: updated, orders: added };
  }

  /**
   * A status event from fulfillment: appended once (the event id is recorded on the order in
   * the same write), at its place in time, moving the current status. An order that is not
   * (yet) known is a transient `ORDERS.ORDER_NOT_FOUND` (retried, then dead-lettered); an
   * illegal transition is `ORDERS.ILLEGAL_TRANSITION`, never applied.
   */
  async applyStatusChanged(event: OrderStatusChanged, eventId: string): Promise<StatusOutcome> {
    return this.readModifyWrite(
      async () => {
        const doc = await this.findByGuid(event.guid);
        if (!doc) throw orderNotFound(event.guid);
        return doc;
      },
      (doc): Decision<StatusOutcome> => {
        const order = findOrder(doc, event.guid);
        if ((order.appliedEventIds ?? []).includes(eventId)) {
          return { write: false, result: 'duplicate' };
        }
        const canonical = canonicalHistory(order.orderStatusEvents);
        const healed = canonical !== null && !sameHistory(canonical, order.orderStatusEvents);
        const history = healed ? canonical : order.orderStatusEvents;
        const insertion = insertStatus(history, event.orderStatusEvent);
        if (insertion.kind === 'duplicate') {
          if (!healed) return { write: false, result: 'duplicate' };
          // Nothing new, but the history held a copy or was out of order: store it healed.
          const repaired: CustomerOrderDoc = {
            ...order,
            orderStatusEvents: history,
            status: currentStatus(history),
            appliedEventIds: [...(order.appliedEventIds ?? []), eventId],
          };
          return { write: true, orders: replaceOrder(doc, repaired), result: 'applied' };
        }
        if (insertion.kind === 'illegal') throw illegalTransition(event.guid, insertion.reason);
        const changed: CustomerOrderDoc = {
          ...order,
          orderStatusEvents: insertion.history,
          status: insertion.status,
          // Fulfillment reporting on the order means it has it: never send it again.
          fulfillmentRequested: true,
          appliedEventIds: [...(order.appliedEventIds ?? []), eventId],
        };
        return { write: true, orders: replaceOrder(doc, changed), result: 'applied' };
      },
    );
  }

  /**
   * Re-emits the fulfillment request of an order already sent (repair of a fulfillment that
   * never arrived), through the outbox at the document's current version; fulfillment ignores
   * a request for an order it has (its key, its unique index). Only an order still APPROVED
   * qualifies: fulfillment accepts nothing else, and an order that moved on has a fulfillment
   * whose loss no request can undo.
   */
  async republishFulfillment(guid: string, customerId?: string): Promise<RepublishedRequest> {
    return this.outbox.readModifyWrite({
      load: () => this.findByGuid(guid),
      decide: (doc): WriteDecision<CustomerOrders, RepublishedRequest> => {
        const order = doc?.orders?.find((o) => o.guid === guid);
        if (!doc || !order || (customerId !== undefined && doc._id !== customerId)) {
          return { write: false, result: { guid, outcome: 'not-found' } };
        }
        const address = findShippingAddress(doc.addresses);
        let reason: string | undefined;
        if (!order.fulfillmentRequested) reason = 'the order was never sent for fulfillment';
        else if (order.status !== 'APPROVED') {
          reason = `the order is ${order.status}; fulfillment accepts APPROVED orders only`;
        } else if (!address) reason = NO_SHIPPING_ADDRESS;
        if (reason || !address) {
          return { write: false, result: { guid, outcome: 'not-requestable', reason } };
        }
        return {
          write: 'republish',
          events: [this.fulfillmentRecord(doc, address, order)],
          result: { guid, outcome: 'requested' },
        };
      },
      lostRace: () => versionConflict(guid),
    });
  }

  /**
   * Open orders of a customer deleted in accounts are closed (CREATED → REJECTED, APPROVED →
   * CANCELLED); orders fulfillment already has keep going. Idempotent: closed orders are no
   * longer open. Returns the guids it closed.
   */
  async closeOrdersOfDeletedCustomer(customerId: string, now = Date.now()): Promise<string[]> {
    return this.readModifyWrite(
      () => this.model.findOne({ _id: customerId, deleted: true }).lean<CustomerOrders>().exec(),
      (doc): Decision<string[]> => {
        const { orders, closed } = closeOpenOrders(doc.orders ?? [], now, CUSTOMER_DELETED_NOTE);
        return closed.length === 0
          ? { write: false, result: [] }
          : { write: true, orders, result: closed };
      },
      [],
    );
  }

  /** Records which customer holds each of these orders (see OrderKey), before they exist. */
  private addKeys(customerId: string, orders: readonly { guid: string }[]): Promise<void> {
    return this.orderKeys.add(
      orders.map((order) => order.guid),
      customerId,
    );
  }

  /** The customer document holding order `guid`: by its key, else by querying (and keyed then). */
  private findByGuid(guid: string): Promise<CustomerOrders | null> {
    return this.orderKeys.find(guid, (filter) =>
      this.model.findOne(filter).lean<CustomerOrders>().exec(),
    );
  }

  private async loadCustomer(customerId: string): Promise<CustomerOrders> {
    const doc = await this.model
      .findOne({ _id: customerId, ...LIVE })
      .lean<CustomerOrders>()
      .exec();
    if (!doc) throw customerNotFound(customerId);
    return doc;
  }

  /**
   * The lib's version-checked read-modify-write (retried on a conflict), with a decision on
   * the new `orders` array; `whenMissing` is the answer when the document is gone.
   */
  private readModifyWrite<R>(
    load: () => Promise<CustomerOrders | null>,
    decide: (doc: CustomerOrders) => Decision<R>,
    whenMissing?: R,
  ): Promise<R> {
    return this.outbox.readModifyWrite({
      load,
      decide: (doc): WriteDecision<CustomerOrders, R> => {
        if (!doc) {
          if (whenMissing === undefined) throw new Error('document vanished during an update');
          return { write: false, result: whenMissing };
        }
        const decision = decide(doc);
        if (!decision.write) return decision;
        return {
          write: 'update',
          change: { set: { orders: decision.orders } },
          events: decision.events ?? [],
          result: decision.result,
        };
      },
      lostRace: (doc) => versionConflict(doc?._id ?? ''),
    });
  }

  /** The fulfillment request of one order: exactly the contract's fields, nothing internal. */
  private fulfillmentRecord(
    doc: CustomerOrders,
    address: AddressDoc,
    order: CustomerOrderDoc,
    now = Date.now(),
  ): OutboxEvent {
    const payload: FulfillmentRequestedInput = {
      timestamp: now,
      name: toNameView(doc.name),
      contact: toContactView(doc.contact),
      address: { ...toAddressView(address), type: 'SHIPPING' },
      order: toContractOrder(order),
    };
    return createOutboxRecord(Topics.OrderFulfill, payload, { source: ORDERS_SOURCE });
  }
}

function findOrder(doc: CustomerOrders, guid: string): CustomerOrderDoc {
  const order = (doc.orders ?? []).find((o) => o.guid === guid);
  if (!order) throw orderNotFound(guid, doc._id);
  return order;
}

function replaceOrder(doc: CustomerOrders, changed: CustomerOrderDoc): CustomerOrderDoc[] {
  return doc.orders.map((o) => (o.guid === changed.guid ? changed : o));
}
