/**
 * The consistency audit's pure rules: what counts as a replica equal to its owner, which kind
 * of drift a difference is, whether it may still be in flight, and how the owner repairs it.
 * No database or Kafka here; audit.ts reads and feeds these.
 */

/** The two owner → replica relations the audit checks. */
export const RELATIONS = ['customers', 'orders'] as const;
export type Relation = (typeof RELATIONS)[number];

/** accounts' customers → orders' customer replicas. */
export const CUSTOMER_KINDS = [
  /** The customer exists in accounts; orders has no replica of it. */
  'missing',
  /** orders has a live replica of a customer accounts never had (or lost). */
  'orphan',
  /** The replica holds an older version than accounts. */
  'stale',
  /** Same version, different name, contact or addresses (cards are never compared). */
  'content',
  /** The replica holds a newer version than accounts: accounts lost writes. */
  'ahead',
  /** accounts deleted the customer; the replica is still live. */
  'deleted-but-live',
] as const;

/** orders' orders → fulfillment's fulfillments (and back: fulfillment's statuses → orders). */
export const ORDER_KINDS = [
  /** The order was sent to fulfillment; fulfillment has no fulfillment for it. */
  'fulfillment-missing',
  /** A status event of the fulfillment is not in the order's history. */
  'status-missing',
  /** The order's history holds a status event twice. */
  'status-doubled',
  /** The order's history holds the fulfillment's status events in another order. */
  'status-reordered',
  /** The order's history holds a status after APPROVED that the fulfillment does not have. */
  'status-unknown',
  /** A fulfillment for an order orders does not know. */
  'fulfillment-orphan',
] as const;

export type CustomerKind = (typeof CUSTOMER_KINDS)[number];
export type OrderKind = (typeof ORDER_KINDS)[number];
export type FindingKind = CustomerKind | OrderKind;

/** Why a finding counts as in flight rather than drift. */
export type InFlightReason =
  /** The owner's outbox still holds an event for the aggregate. */
  | 'outbox'
  /** The consumer group has not committed everything on the key's partition yet. */
  | 'lag'
  /** The owner changed it within the settle window before the audit started. */
  | 'settling';

/** How the owner mends a drifted aggregate (see tools/audit/README.md). */
export type RepairAction =
  /** accounts re-emits the customer's state or tombstone (`POST /customers/republish`). */
  | 'republish-customer'
  /** orders re-emits the order's fulfillment request (`POST /customers/fulfill/republish`). */
  | 'republish-request'
  /** fulfillment re-emits its status events (`POST /fulfillments/republish`). */
  | 'republish-statuses'
  /** Nothing an owner can re-emit mends it; reported for a person to look at. */
  | 'none';

export interface Finding {
  relation: Relation;
  kind: FindingKind;
  /** Customer id (customers) or order guid (orders). */
  id: string;
  state: 'in-flight' | 'drift';
  /** Set when `state` is `in-flight`. */
  reason?: InFlightReason;
  detail: string;
  repair: RepairAction;
  /** customers: accounts' version; orders: fulfillment's version. */
  ownerVersion?: number;
  /** customers: the replica's `sourceVersion`. */
  replicaVersion?: number;
  /** orders: the customer whose document holds the order. */
  customerId?: string;
}

// ---------------------------------------------------------------- customers

export interface NameFields {
  title?: string | null;
  firstName?: string | null;
  middleName?: string | null;
  lastName?: string | null;
  suffix?: string | null;
}

export interface ContactFields {
  primaryPhone?: string | null;
  secondaryPhone?: string | null;
  email?: string | null;
}

export interface AddressFields {
  type?: string | null;
  description?: string | null;
  address1?: string | null;
  address2?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
}

/** A customer as accounts holds it, cards left out when read. */
export interface OwnerCustomer {
  id: string;
  version: number;
  deleted: boolean;
  name?: NameFields | null;
  contact?: ContactFields | null;
  addresses?: AddressFields[] | null;
  /** Last write (mongoose timestamps). */
  updatedAt?: Date | null;
  /** The owner's outbox holds an event for this customer. */
  pending: boolean;
}

/** A customer replica as orders holds it. */
export interface ReplicaCustomer {
  id: string;
  sourceVersion?: number | null;
  deleted?: boolean | null;
  name?: NameFields | null;
  contact?: ContactFields | null;
  addresses?: AddressFields[] | null;
}

const NAME_FIELDS = ['title', 'firstName', 'middleName', 'lastName', 'suffix'] as const;
const CONTACT_FIELDS = ['primaryPhone', 'secondaryPhone', 'email'] as const;
const ADDRESS_FIELDS = [
  'type',
  'description',
  'address1',
  'address2',
  'city',
  'state',
  'postalCode',
] as const;

/** accounts leaves an absent optional field out; the event and orders carry null. */
function value(v: string | null | undefined): string | null {
  return v ?? null;
}

/** The fields whose values differ, e.g. `name.lastName`, `addresses[1].city`. */
export function contentDifferences(owner: OwnerCustomer, replica: ReplicaCustomer): string[] {
  const differences: string[] = [];
  for (const field of NAME_FIELDS) {
    if (value(owner.name?.[field]) !== value(replica.name?.[field])) {
      differences.push(`name.${field}`);
    }
  }
  for (const field of CONTACT_FIELDS) {
    if (value(owner.contact?.[field]) !== value(replica.contact?.[field])) {
      differences.push(`contact.${field}`);
    }
  }
  const ownerAddresses = owner.addresses ?? [];
  const replicaAddresses = replica.addresses ?? [];
  if (ownerAddresses.length !== replicaAddresses.length) {
    differences.push(`addresses (${ownerAddresses.length} vs ${replicaAddresses.length})`);
  } else {
    ownerAddresses.forEach((address, index) => {
      for (const field of ADDRESS_FIELDS) {
        if (value(address[field]) !== value(replicaAddresses[index][field])) {
          differences.push(`addresses[${index}].${field}`);
        }
      }
    });
  }
  return differences;
}

export interface Difference {
  kind: FindingKind;
  detail: string;
  repair: RepairAction;
}

/** What is wrong between a customer and its replica (either may be absent), or null. */
export function compareCustomer(
  owner: OwnerCustomer | undefined,
  replica: ReplicaCustomer | undefined,
): Difference | null {
  const live = replica !== undefined && replica.deleted !== true;
  const replicaVersion = replica?.sourceVersion ?? 0;
  if (!owner) {
    return live
      ? {
          kind: 'orphan',
          detail: `replica at version ${replicaVersion}; accounts has no such customer`,
          repair: 'republish-customer',
        }
      : null;
  }
  if (owner.deleted) {
    return live
      ? {
          kind: 'deleted-but-live',
          detail: `deleted in accounts at version ${owner.version}; replica live at version ${replicaVersion}`,
          repair: 'republish-customer',
        }
      : null;
  }
  if (!replica) {
    return {
      kind: 'missing',
      detail: `accounts at version ${owner.version}; no replica`,
      repair: 'republish-customer',
    };
  }
  if (replicaVersion < owner.version) {
    return {
      kind: 'stale',
      detail: `replica at version ${replicaVersion}, accounts at ${owner.version}${replica.deleted ? ' (replica deleted)' : ''}`,
      repair: 'republish-customer',
    };
  }
  if (replicaVersion > owner.version) {
    return {
      kind: 'ahead',
      detail: `replica at version ${replicaVersion}, accounts only at ${owner.version}`,
      repair: 'republish-customer',
    };
  }
  if (replica.deleted) {
    return {
      kind: 'content',
      detail: `version ${owner.version}: the replica is deleted, accounts is live`,
      repair: 'republish-customer',
    };
  }
  const differences = contentDifferences(owner, replica);
  return differences.length > 0
    ? {
        kind: 'content',
        detail: `version ${owner.version}, different ${differences.join(', ')}`,
        repair: 'republish-customer',
      }
    : null;
}

// ---------------------------------------------------------------- orders

export interface StatusEntry {
  timestamp: number;
  orderStatusType: string;
  note?: string | null;
}

/** An order as orders holds it. */
export interface OrderSide {
  guid: string;
  customerId: string;
  status: string;
  fulfillmentRequested: boolean;
  orderStatusEvents: StatusEntry[];
  /** How many status events of fulfillment were applied to it. */
  appliedEvents: number;
  /** orders' outbox still holds the order's fulfillment request. */
  pending: boolean;
}

/** A fulfillment as fulfillment holds it. */
export interface FulfillmentSide {
  id: string;
  guid: string;
  version: number;
  orderStatusEvents: StatusEntry[];
  /** fulfillment's outbox still holds status events of this fulfillment. */
  pending: boolean;
}

function sameEntry(a: StatusEntry, b: StatusEntry): boolean {
  return (
    a.timestamp === b.timestamp &&
    a.orderStatusType === b.orderStatusType &&
    (a.note ?? null) === (b.note ?? null)
  );
}

function describe(entries: readonly StatusEntry[]): string {
  return entries.length === 0 ? '(none)' : entries.map((e) => e.orderStatusType).join(' → ');
}

/** The entries after the history's (last) APPROVED: the part fulfillment produces. */
export function afterApproval<T extends StatusEntry>(history: readonly T[]): T[] {
  const approved = history.map((e) => e.orderStatusType).lastIndexOf('APPROVED');
  return approved === -1 ? [] : history.slice(approved + 1);
}

/**
 * Whether orders sent the order to fulfillment. The sample orders whose canned history went
 * past APPROVED count as handled by a fulfillment that never existed (orders.sample): they
 * have the flag but no status event from fulfillment, and are left out.
 */
export function sentToFulfillment(order: OrderSide): boolean {
  return order.fulfillmentRequested && (order.status === 'APPROVED' || order.appliedEvents > 0);
}

/**
 * Whether the fulfillment's status events are exactly the tail of the order's history, and
 * which kind of difference it is when not.
 */
export function compareStatuses(order: OrderSide, fulfillment: FulfillmentSide): Difference | null {
  const expected = afterApproval(fulfillment.orderStatusEvents);
  const actual = afterApproval(order.orderStatusEvents);
  if (actual.length === expected.length && actual.every((e, i) => sameEntry(e, expected[i]))) {
    return null;
  }
  const detail = `orders has ${describe(actual)}; fulfillment has ${describe(expected)}`;
  const doubled = actual.some((e, i) => actual.findIndex((o) => sameEntry(o, e)) !== i);
  if (doubled) return { kind: 'status-doubled', detail, repair: 'republish-statuses' };
  const unknown = actual.some((e) => !expected.some((x) => sameEntry(x, e)));
  if (unknown) return { kind: 'status-unknown', detail, repair: 'none' };
  if (actual.length < expected.length) {
    return { kind: 'status-missing', detail, repair: 'republish-statuses' };
  }
  return { kind: 'status-reordered', detail, repair: 'republish-statuses' };
}

/** What is wrong between a sent order and its fulfillment (either may be absent), or null. */
export function compareOrder(
  order: OrderSide | undefined,
  fulfillment: FulfillmentSide | undefined,
): Difference | null {
  if (!order) {
    return fulfillment
      ? {
          kind: 'fulfillment-orphan',
          detail: `fulfillment ${fulfillment.id} for an order orders does not know`,
          repair: 'none',
        }
      : null;
  }
  if (!sentToFulfillment(order)) return null;
  if (!fulfillment) {
    // Fulfillment accepts APPROVED orders only; one that moved on had a fulfillment, now lost.
    return order.status === 'APPROVED'
      ? {
          kind: 'fulfillment-missing',
          detail: 'sent to fulfillment, still APPROVED; fulfillment has nothing',
          repair: 'republish-request',
        }
      : {
          kind: 'fulfillment-missing',
          detail: `order is ${order.status}; fulfillment has nothing (lost after it reported statuses)`,
          repair: 'none',
        };
  }
  return compareStatuses(order, fulfillment);
}

// ---------------------------------------------------------------- in flight or drift

export interface FlightEvidence {
  /** The owner's outbox holds an event for the aggregate. */
  pending: boolean;
  /** The consumer group's lag covers the key's partition. */
  lagging: boolean;
  /** When the owner last changed the aggregate, if known. */
  changedAt?: number;
}

/**
 * In flight when the owner's outbox still holds the event, the consumer group has not
 * committed past the key's partition's end, or the owner changed it less than the settle
 * window before the audit began; drift otherwise.
 */
export function classify(
  evidence: FlightEvidence,
  auditStartedAt: number,
  settleMs: number,
): { state: 'in-flight'; reason: InFlightReason } | { state: 'drift' } {
  if (evidence.pending) return { state: 'in-flight', reason: 'outbox' };
  if (evidence.lagging) return { state: 'in-flight', reason: 'lag' };
  if (evidence.changedAt !== undefined && evidence.changedAt > auditStartedAt - settleMs) {
    return { state: 'in-flight', reason: 'settling' };
  }
  return { state: 'drift' };
}

// ---------------------------------------------------------------- summary

export interface KindCount {
  inFlight: number;
  drift: number;
}

export interface RelationSummary {
  /** Aggregates looked at (owners and replicas, each id once). */
  checked: number;
  inSync: number;
  inFlight: number;
  drift: number;
  byKind: Partial<Record<FindingKind, KindCount>>;
}

export function summarize(checked: number, findings: readonly Finding[]): RelationSummary {
  const byKind: Partial<Record<FindingKind, KindCount>> = {};
  let inFlight = 0;
  let drift = 0;
  for (const finding of findings) {
    const count = (byKind[finding.kind] ??= { inFlight: 0, drift: 0 });
    if (finding.state === 'drift') {
      count.drift += 1;
      drift += 1;
    } else {
      count.inFlight += 1;
      inFlight += 1;
    }
  }
  return { checked, inSync: checked - inFlight - drift, inFlight, drift, byKind };
}

const RELATION_TITLES: Readonly<Record<Relation, string>> = {
  customers: 'accounts customer.accounts → orders customer replicas',
  orders: 'orders orders → fulfillment fulfillment.requests (and statuses back)',
};

function pad(text: string | number, width: number): string {
  return String(text).padStart(width);
}

/** The short table of one relation, as printed. */
export function relationTable(relation: Relation, summary: RelationSummary): string[] {
  const kinds: readonly FindingKind[] = relation === 'customers' ? CUSTOMER_KINDS : ORDER_KINDS;
  const lines = [
    RELATION_TITLES[relation],
    `  checked ${summary.checked} · in sync ${summary.inSync} · in flight ${summary.inFlight} · drift ${summary.drift}`,
  ];
  const width = Math.max(...kinds.map((k) => k.length));
  for (const kind of kinds) {
    const count = summary.byKind[kind];
    if (!count) continue;
    lines.push(
      `    ${kind.padEnd(width)}  drift ${pad(count.drift, 6)}  in flight ${pad(count.inFlight, 6)}`,
    );
  }
  return lines;
}

/** One example line: drift first, then in flight. */
export function exampleLine(finding: Finding): string {
  const state = finding.state === 'drift' ? 'DRIFT' : `in flight (${finding.reason})`;
  const repair = finding.repair === 'none' ? ' · not repairable by re-emission' : '';
  const where = finding.customerId ? ` (customer ${finding.customerId})` : '';
  return `  ${state} ${finding.relation}/${finding.kind} ${finding.id}${where}: ${finding.detail}${repair}`;
}

export function examples(findings: readonly Finding[], max = 20): Finding[] {
  return [...findings]
    .sort((a, b) => Number(b.state === 'drift') - Number(a.state === 'drift'))
    .slice(0, max);
}
