import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { CustomerChanged } from '@storefront/events';
import { type PageOf, PageQueryDto, readPage } from '@storefront/platform';
import {
  removeReplicaIfNewer,
  type ReplicaApplyResult,
  upsertReplicaIfNewer,
} from '@storefront/messaging';
import type { Model } from 'mongoose';
import { type CustomerOrdersView, toCustomerOrdersView } from './dto/customer-orders.view';
import { ordersOf } from './order-lookup';
import { inPlacementOrder } from './order.rules';
import { customerNotFound, OrdersErrors } from './orders.errors';
import { LIVE, OrdersService } from './orders.service';
import { CustomerOrder } from './schemas/customer-order.schema';
import { CustomerReplica } from './schemas/customer-replica.schema';

/** What a customer event did to the replica. */
export type ReplicaOutcome = ReplicaApplyResult;

/** Sort fields of `/customerOrderses` → document paths. */
export const SORT_FIELDS: Readonly<Record<string, string>> = {
  id: '_id',
  'name.lastName': 'name.lastName',
  'name.firstName': 'name.firstName',
  'contact.email': 'contact.email',
};

/**
 * The customer replicas in `customer.orders` that accounts' events keep up to date, and the
 * read views, which assemble the original's `CustomerOrders` (a customer with its orders) from
 * the replicas and the order documents.
 */
@Injectable()
export class CustomersService {
  private readonly logger = new Logger(CustomersService.name);

  constructor(
    @InjectModel(CustomerReplica.name) private readonly model: Model<CustomerReplica>,
    @InjectModel(CustomerOrder.name) private readonly orderDocs: Model<CustomerOrder>,
    private readonly orders: OrdersService,
  ) {}

  /**
   * Version-guarded upsert in one conditional update: only a replica older than the event
   * matches, so a duplicate or stale event changes nothing. The customer's orders are other
   * documents: a customer change never touches them.
   */
  applyCustomerChanged(customer: CustomerChanged, version: number): Promise<ReplicaOutcome> {
    return upsertReplicaIfNewer(this.model, customer.id, version, {
      name: customer.name,
      contact: customer.contact,
      addresses: customer.addresses,
    });
  }

  /**
   * A tombstone: the replica is kept but marked deleted at the tombstone's version, so a late,
   * older change cannot bring it back; then its open orders are closed. Both steps are
   * idempotent, so a redelivery after a crash between them finishes the job.
   */
  async applyCustomerDeleted(id: string, version: number): Promise<ReplicaOutcome> {
    const outcome = await removeReplicaIfNewer(this.model, id, version);
    const closed = await this.orders.closeOrdersOfDeletedCustomer(id);
    if (closed.length > 0) {
      this.logger.log(
        `Customer ${id} deleted in accounts: closed open orders ${closed.join(', ')}`,
      );
    }
    return outcome;
  }

  async summary(): Promise<CustomerOrdersView[]> {
    const [docs, orders] = await Promise.all([
      this.model.find(LIVE).sort({ _id: 1 }).lean<CustomerReplica[]>().exec(),
      this.orderDocs.find().lean<CustomerOrder[]>().exec(),
    ]);
    const byCustomer = groupByCustomer(orders);
    return docs.map((doc) => toCustomerOrdersView(doc, byCustomer.get(doc._id) ?? []));
  }

  /**
   * One page of customers with their orders. The page's orders come from one query by
   * `customerId` (one pass over the orders on FerretDB, cheaper for a page of customers than
   * one lookup per order).
   */
  async findPage(query: PageQueryDto): Promise<PageOf<CustomerOrdersView>> {
    const sorting = { paths: SORT_FIELDS, errorCode: OrdersErrors.SortInvalid };
    const { items: docs, total } = await readPage(this.model, query, sorting, LIVE);
    const orders =
      docs.length === 0
        ? []
        : await this.orderDocs
            .find({ customerId: { $in: docs.map((doc) => doc._id) } })
            .lean<CustomerOrder[]>()
            .exec();
    const byCustomer = groupByCustomer(orders);
    return {
      items: docs.map((doc) => toCustomerOrdersView(doc, byCustomer.get(doc._id) ?? [])),
      total,
    };
  }

  async findOne(id: string): Promise<CustomerOrdersView> {
    const doc = await this.model
      .findOne({ _id: id, ...LIVE })
      .lean<CustomerReplica>()
      .exec();
    if (!doc) throw customerNotFound(id);
    return toCustomerOrdersView(doc, await ordersOf(this.orderDocs, doc));
  }
}

/** Each customer's orders, in placement order. */
function groupByCustomer(orders: readonly CustomerOrder[]): Map<string, CustomerOrder[]> {
  const byCustomer = new Map<string, CustomerOrder[]>();
  for (const order of inPlacementOrder(orders)) {
    const list = byCustomer.get(order.customerId);
    if (list) list.push(order);
    else byCustomer.set(order.customerId, [order]);
  }
  return byCustomer;
}
