import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { OrderStatusChanged } from '@storefront/events';
import {
  type CollectionRelay,
  type OutboxEvent,
  OutboxRelay,
  type WriteDecision,
} from '@storefront/messaging';
import { type AddressDoc, toOrderItemDoc } from '@storefront/model';
import type { Model } from 'mongoose';
import { type OrderView, toOrderView } from './dto/customer-orders.view';
import type { CreateOrderDto } from './dto/order.dto';
import { findShippingAddress, fulfillmentRecord } from './fulfillment-request';
import { ordersOf } from './order-lookup';
import {
  closeOpenOrder,
  decideAction,
  decideFulfillment,
  decideStatusEvent,
  INITIAL_STATUS,
  type OrderAction,
  placement,
  republishRefusal,
} from './order.rules';
import {
  customerNotFound,
  illegalTransition,
  notFulfillable,
  orderNotFound,
  versionConflict,
} from './orders.errors';
import { CustomerOrder } from './schemas/customer-order.schema';
import { CustomerReplica } from './schemas/customer-replica.schema';

/** Replicas of accounts' customers are live until accounts deletes them. */
export const LIVE = { deleted: { $ne: true } } as const;

/** Status note on the open orders of a customer deleted in accounts. */
export const CUSTOMER_DELETED_NOTE = 'Customer account deleted';

/** One order's write decided by the rules: nothing, or the order's new state (and events). */
type Decision<R> =
  | { readonly write: false; readonly result: R }
  | {
      readonly write: true;
      readonly order: CustomerOrder;
      readonly events?: readonly OutboxEvent[];
      readonly result: R;
    };

export type StatusOutcome = 'applied' | 'duplicate';

/** What re-emitting one order's fulfillment request did. */
export interface RepublishedRequest {
  guid: string;
  outcome: 'requested' | 'not-found' | 'not-requestable';
  /** Why it was not re-emitted. */
  reason?: string;
}

/**
 * Orders, each its own document keyed by its guid (collection `orders`), beside the customer
 * replicas (`customer.orders`). Every change to an order is a read-modify-write of that one
 * document guarded by its version (the messaging lib's `readModifyWrite`, retried on a
 * conflict); its events leave through its outbox in the same single-document update. So a
 * change costs the same whatever else the customer ordered.
 */
@Injectable()
export class OrdersService {
  private readonly relay: CollectionRelay<CustomerOrder>;

  constructor(
    @InjectModel(CustomerOrder.name) private readonly orders: Model<CustomerOrder>,
    @InjectModel(CustomerReplica.name) private readonly replicas: Model<CustomerReplica>,
    outbox: OutboxRelay,
  ) {
    this.relay = outbox.watch(orders);
  }

  /** A new order for a known customer: CREATED now. */
  async createOrder(customerId: string, dto: CreateOrderDto, now = Date.now()): Promise<OrderView> {
    const guid = randomUUID();
    // 404 before anything else is written.
    if (!(await this.listOrderIds(customerId, [guid]))) throw customerNotFound(customerId);
    const created = await this.relay.insert(
      {
        _id: guid,
        guid,
        customerId,
        placed: placement(now),
        orderStatusEvents: [{ timestamp: now, orderStatusType: INITIAL_STATUS, note: null }],
        orderItems: dto.orderItems.map(toOrderItemDoc),
        status: INITIAL_STATUS,
        fulfillmentRequested: false,
        appliedEventIds: [],
      },
      [],
    );
    if (await this.closedAsDeleted(customerId)) throw customerNotFound(customerId);
    return toOrderView(created);
  }

  /**
   * Appends new orders' guids to a live replica, before their documents are written; false
   * when there is no live replica.
   */
  async listOrderIds(customerId: string, guids: readonly string[]): Promise<boolean> {
    const listed = await this.replicas
      .updateOne({ _id: customerId, ...LIVE }, { $push: { orderIds: { $each: guids } } })
      .exec();
    return listed.matchedCount > 0;
  }

  /**
   * Run right after orders were created for a customer: true when its tombstone arrived
   * meanwhile, and then the new orders are closed as the tombstone would have (the caller
   * answers as if it had come first). The tombstone marks the replica before closing the
   * customer's orders, so an order written before that close is closed by it, and one written
   * after it finds the replica deleted here.
   */
  async closedAsDeleted(customerId: string): Promise<boolean> {
    if (await this.replicas.exists({ _id: customerId, ...LIVE }).exec()) return false;
    await this.closeOrdersOfDeletedCustomer(customerId);
    return true;
  }

  async listOrders(customerId: string): Promise<OrderView[]> {
    const orders = await ordersOf(this.orders, await this.loadCustomer(customerId));
    return orders.map(toOrderView);
  }

  async getOrder(customerId: string, guid: string): Promise<OrderView> {
    const [, order] = await Promise.all([this.loadCustomer(customerId), this.findOrder(guid)]);
    return toOrderView(ownedBy(order, guid, customerId));
  }

  /** approve / reject / cancel; 409 when the lifecycle does not allow it. Publishes nothing. */
  async act(
    customerId: string,
    guid: string,
    action: OrderAction,
    note: string | null = null,
  ): Promise<OrderView> {
    await this.loadCustomer(customerId);
    return this.readModifyWrite(guid, (current) => {
      const decision = decideAction(ownedBy(current, guid, customerId), action, Date.now(), note);
      if (!decision.ok) throw illegalTransition(guid, decision.reason);
      return { write: true, order: decision.value, result: toOrderView(decision.value) };
    });
  }

  /**
   * Sends one APPROVED order to fulfillment. Idempotent: an order already sent is returned as
   * it is and nothing is sent again.
   */
  async fulfillOrder(customerId: string, guid: string): Promise<OrderView> {
    const customer = await this.loadCustomer(customerId);
    const address = findShippingAddress(customer.addresses);
    return this.readModifyWrite(guid, (current) => {
      const order = ownedBy(current, guid, customerId);
      const decision = decideFulfillment(order, address !== undefined);
      switch (decision.kind) {
        case 'already-sent':
          return { write: false, result: toOrderView(order) };
        case 'not-approved':
          throw illegalTransition(guid, decision.reason);
        case 'no-address':
          throw notFulfillable(customerId, guid, decision.reason);
        case 'send':
          return {
            write: true,
            order: decision.order,
            events: [fulfillmentRecord(customer, address!, order)],
            result: toOrderView(decision.order),
          };
      }
    });
  }

  /**
   * Sends one order of `customer` (a live replica with a SHIPPING address) if it still awaits
   * fulfillment; false when it no longer does (sent meanwhile, cancelled, gone).
   */
  async sendIfAwaiting(
    customer: CustomerReplica,
    address: AddressDoc,
    guid: string,
    now: number,
  ): Promise<boolean> {
    return this.readModifyWrite(
      guid,
      (order) => {
        const decision = decideFulfillment(order, true);
        if (decision.kind !== 'send') return { write: false, result: false };
        return {
          write: true,
          order: decision.order,
          events: [fulfillmentRecord(customer, address, order, now)],
          result: true,
        };
      },
      false,
    );
  }

  /**
   * A status event from fulfillment (see `decideStatusEvent`). An order that is not (yet)
   * known is a transient `ORDERS.ORDER_NOT_FOUND` (retried, then dead-lettered); an illegal
   * transition is `ORDERS.ILLEGAL_TRANSITION`, never applied.
   */
  async applyStatusChanged(event: OrderStatusChanged, eventId: string): Promise<StatusOutcome> {
    return this.readModifyWrite(event.guid, (order): Decision<StatusOutcome> => {
      const decision = decideStatusEvent(order, eventId, event.orderStatusEvent);
      if (decision.kind === 'duplicate') return { write: false, result: 'duplicate' };
      if (decision.kind === 'illegal') throw illegalTransition(event.guid, decision.reason);
      return { write: true, order: decision.order, result: 'applied' };
    });
  }

  /**
   * Re-emits the fulfillment request of an order already sent (repair of a fulfillment that
   * never arrived), through the outbox at the order's current version; fulfillment ignores a
   * request for an order it has (its key, its unique index). See `republishRefusal`.
   */
  async republishFulfillment(guid: string, customerId?: string): Promise<RepublishedRequest> {
    const first = await this.findOrder(guid);
    const customer = first
      ? await this.replicas.findById(first.customerId).lean<CustomerReplica>().exec()
      : null;
    const address = customer ? findShippingAddress(customer.addresses) : undefined;
    return this.relay.readModifyWrite({
      load: () => this.findOrder(guid),
      decide: (order): WriteDecision<CustomerOrder, RepublishedRequest> => {
        if (!order || (customerId !== undefined && order.customerId !== customerId)) {
          return { write: false, result: { guid, outcome: 'not-found' } };
        }
        const reason = republishRefusal(order, address !== undefined);
        if (reason !== null || !customer || !address) {
          return {
            write: false,
            result: { guid, outcome: 'not-requestable', reason: reason ?? undefined },
          };
        }
        return {
          write: 'republish',
          events: [fulfillmentRecord(customer, address, order)],
          result: { guid, outcome: 'requested' },
        };
      },
      lostRace: (order) => versionConflict(order?.customerId ?? customerId ?? guid),
    });
  }

  /**
   * Open orders of a customer deleted in accounts are closed (CREATED → REJECTED, APPROVED →
   * CANCELLED); orders fulfillment already has keep going. Idempotent: closed orders are no
   * longer open. Returns the guids it closed.
   */
  async closeOrdersOfDeletedCustomer(customerId: string, now = Date.now()): Promise<string[]> {
    const deleted = await this.replicas
      .findOne({ _id: customerId, deleted: true })
      .select({ orderIds: 1 })
      .lean<Pick<CustomerReplica, 'orderIds'>>()
      .exec();
    const closed: string[] = [];
    for (const guid of deleted?.orderIds ?? []) {
      const changed = await this.readModifyWrite(
        guid,
        (order): Decision<boolean> => {
          const next = closeOpenOrder(order, now, CUSTOMER_DELETED_NOTE);
          return next
            ? { write: true, order: next, result: true }
            : { write: false, result: false };
        },
        false,
      );
      if (changed) closed.push(guid);
    }
    return closed;
  }

  async loadCustomer(customerId: string): Promise<CustomerReplica> {
    const doc = await this.replicas
      .findOne({ _id: customerId, ...LIVE })
      .lean<CustomerReplica>()
      .exec();
    if (!doc) throw customerNotFound(customerId);
    return doc;
  }

  private findOrder(guid: string): Promise<CustomerOrder | null> {
    return this.orders.findById(guid).lean<CustomerOrder>().exec();
  }

  /**
   * The lib's version-checked read-modify-write (retried on a conflict) of order `guid`, with
   * a decision on its new state. A missing order is `whenMissing` when given, else
   * `ORDERS.ORDER_NOT_FOUND`.
   */
  private readModifyWrite<R>(
    guid: string,
    decide: (order: CustomerOrder) => Decision<R>,
    whenMissing?: R,
  ): Promise<R> {
    return this.relay.readModifyWrite({
      load: () => this.findOrder(guid),
      decide: (current): WriteDecision<CustomerOrder, R> => {
        if (!current) {
          if (whenMissing === undefined) throw orderNotFound(guid);
          return { write: false, result: whenMissing };
        }
        const decision = decide(current);
        if (!decision.write) return decision;
        const { orderStatusEvents, status, fulfillmentRequested, appliedEventIds } = decision.order;
        return {
          write: 'update',
          change: { set: { orderStatusEvents, status, fulfillmentRequested, appliedEventIds } },
          events: decision.events ?? [],
          result: decision.result,
        };
      },
      lostRace: (current) => versionConflict(current?.customerId ?? guid),
    });
  }
}

/** The order when it belongs to `customerId`; otherwise that customer has no such order. */
function ownedBy(order: CustomerOrder | null, guid: string, customerId: string): CustomerOrder {
  if (!order || order.customerId !== customerId) throw orderNotFound(guid, customerId);
  return order;
}
