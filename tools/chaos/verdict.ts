/**
 * The judgement at the end of a chaos run: every write the gateway answered 2xx is in its owner
 * and in every replica, every order history is exact (nothing lost, nothing twice), and the
 * consistency auditor finds no drift. Read straight from the databases.
 */
import { type Document, MongoClient, ObjectId } from 'mongodb';
import { type AuditResult, runAudit } from '../audit/audit';
import { judgeCustomer, judgeHistory, LIFECYCLE, type StoredCustomer } from './chaos.rules';
import type { Workload } from './workload';

export interface StoreCheck {
  readonly customers: { readonly checked: number; readonly lost: number };
  readonly orders: {
    readonly checked: number;
    readonly complete: number;
    readonly abandoned: number;
    readonly exact: number;
    readonly lost: number;
    readonly doubled: number;
    readonly wrong: number;
  };
  /** Fulfillment's copies: one per acknowledged fulfill, at least at the acknowledged step. */
  readonly fulfillments: {
    readonly checked: number;
    readonly lost: number;
    readonly doubled: number;
  };
  /** Up to 20 lines naming what is wrong. */
  readonly examples: string[];
}

export interface Databases {
  readonly accounts: string;
  readonly orders: string;
  readonly fulfillment: string;
}

function owner(doc: Document | null): StoredCustomer | null {
  if (!doc) return null;
  return {
    firstName: (doc.name as { firstName?: string } | undefined)?.firstName,
    deleted: doc.deletedAt !== undefined && doc.deletedAt !== null,
    version: Number(doc.version),
  };
}

function replica(doc: Document | null): StoredCustomer | null {
  if (!doc) return null;
  return {
    firstName: (doc.name as { firstName?: string } | undefined)?.firstName,
    deleted: doc.deleted === true,
    version: Number(doc.sourceVersion),
  };
}

/** Compares the stores with the workload's ledger. */
export async function checkStores(
  mongoUrl: string,
  databases: Databases,
  workload: Workload,
): Promise<StoreCheck> {
  const client = await new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000 }).connect();
  const examples: string[] = [];
  const note = (line: string): void => {
    if (examples.length < 20) examples.push(line);
  };
  try {
    const accounts = client.db(databases.accounts).collection('customer.accounts');
    const replicas = client.db(databases.orders).collection('customer.orders');
    const orderDocuments = client.db(databases.orders).collection('orders');
    const fulfillments = client.db(databases.fulfillment).collection('fulfillment.requests');
    const ledgers = [...workload.customers.values()];
    const ownerDocs = new Map(
      (
        await accounts
          .find({ _id: { $in: ledgers.map((l) => new ObjectId(l.id)) } })
          .project({ name: 1, deletedAt: 1, version: 1 })
          .toArray()
      ).map((doc) => [String(doc._id), doc]),
    );
    const replicaDocs = new Map(
      (await replicas.find({ _id: { $in: ledgers.map((l) => l.id) } } as Document).toArray()).map(
        (doc) => [String(doc._id), doc],
      ),
    );
    let customersLost = 0;
    for (const ledger of ledgers) {
      const problems = judgeCustomer(
        ledger,
        owner(ownerDocs.get(ledger.id) ?? null),
        replica(replicaDocs.get(ledger.id) ?? null),
      );
      if (problems.length > 0) customersLost += 1;
      problems.forEach(note);
    }

    const guids = workload.orders.map((o) => o.guid);
    const histories = new Map<string, string[]>();
    for (const order of await orderDocuments.find({ _id: { $in: guids } } as Document).toArray()) {
      histories.set(
        String(order._id),
        ((order.orderStatusEvents as Document[] | undefined) ?? []).map((e) =>
          String(e.orderStatusType),
        ),
      );
    }
    const copies = new Map<string, Document[]>();
    for (const doc of await fulfillments
      .find({ 'order.guid': { $in: guids } })
      .project({ 'order.guid': 1, status: 1 })
      .toArray()) {
      const guid = String((doc.order as { guid: string }).guid);
      copies.set(guid, [...(copies.get(guid) ?? []), doc]);
    }
    const orders = {
      checked: 0,
      complete: 0,
      abandoned: 0,
      exact: 0,
      lost: 0,
      doubled: 0,
      wrong: 0,
    };
    const fulfillment = { checked: 0, lost: 0, doubled: 0 };
    for (const order of workload.orders) {
      orders.checked += 1;
      if (order.complete) orders.complete += 1;
      else orders.abandoned += 1;
      const history = histories.get(order.guid) ?? [];
      const problems = judgeHistory(history, order.acked, order.complete);
      if (problems.length === 0) orders.exact += 1;
      for (const problem of problems) orders[problem] += 1;
      if (problems.length > 0) {
        note(
          `order ${order.guid} (customer ${order.customerId}, ${order.acked} acknowledged${order.abandoned ? `, abandoned: ${order.abandoned}` : ''}): ${problems.join(', ')}: ${history.join(' → ') || 'no history'}`,
        );
      }
      if (!order.fulfillAcked) continue;
      fulfillment.checked += 1;
      const held = copies.get(order.guid) ?? [];
      const status = String(held[0]?.status ?? '');
      const ackedStatus = LIFECYCLE[Math.max(0, order.acked - 1)];
      const behind =
        held.length === 0 ||
        LIFECYCLE.indexOf(status as never) < LIFECYCLE.indexOf(ackedStatus) ||
        (order.complete && status !== 'RECEIVED');
      if (behind) {
        fulfillment.lost += 1;
        note(
          `fulfillment of ${order.guid}: ${held.length} cop(ies), status ${status || '–'}, acknowledged ${ackedStatus}`,
        );
      }
      if (held.length > 1) {
        fulfillment.doubled += 1;
        note(`fulfillment of ${order.guid}: ${held.length} copies`);
      }
    }
    return {
      customers: { checked: ledgers.length, lost: customersLost },
      orders,
      fulfillments: fulfillment,
      examples,
    };
  } finally {
    await client.close();
  }
}

/** The consistency auditor with nothing counted as in flight by age (the run has settled). */
export async function audit(
  mongoUrl: string,
  brokers: readonly string[],
  gatewayUrl: string,
  databases: Databases,
): Promise<AuditResult> {
  return runAudit(
    { mongoUrl, kafkaBrokers: brokers, gatewayUrl, databases, topicPrefix: '', settleMs: 0 },
    () => undefined,
  );
}
