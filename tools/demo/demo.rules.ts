/**
 * Pure rules of the demo refresh: which targets count as development ones, what each of the
 * original's seven sample steps must have produced before the next one runs, and the end
 * state the original's refresh.py left behind (reference §8.3).
 */

export const SERVICES = ['accounts', 'orders', 'fulfillment'] as const;
export type Service = (typeof SERVICES)[number];

/** Each service's database: the one named, else the service's own name (as the apps default). */
export function serviceDatabases(
  named: Partial<Record<Service, string>> = {},
): Record<Service, string> {
  return {
    accounts: named.accounts ?? 'accounts',
    orders: named.orders ?? 'orders',
    fulfillment: named.fulfillment ?? 'fulfillment',
  };
}

/** The seven sample URLs, through the gateway, in the order refresh.py called them. */
export const SAMPLE_STEPS = [
  { key: 'customers', service: 'accounts', path: '/accounts/customers/sample' },
  { key: 'orders', service: 'orders', path: '/orders/customers/sample/orders' },
  { key: 'fulfill', service: 'orders', path: '/orders/customers/sample/fulfill' },
  { key: 'process', service: 'fulfillment', path: '/fulfillment/fulfillments/sample/process' },
  { key: 'ship', service: 'fulfillment', path: '/fulfillment/fulfillments/sample/ship' },
  {
    key: 'in-transit',
    service: 'fulfillment',
    path: '/fulfillment/fulfillments/sample/in-transit',
  },
  { key: 'receive', service: 'fulfillment', path: '/fulfillment/fulfillments/sample/receive' },
] as const satisfies ReadonlyArray<{ key: string; service: Service; path: string }>;

export type SampleStep = (typeof SAMPLE_STEPS)[number];
export type StepKey = SampleStep['key'];

/** The read views each service offers through the gateway. */
export const SUMMARY_PATHS: Readonly<Record<Service, string>> = {
  accounts: '/accounts/customers/summary',
  orders: '/orders/customers/summary',
  fulfillment: '/fulfillment/fulfillments/summary',
};

export const SAMPLE_CUSTOMERS = 3;
export const SAMPLE_ORDERS_PER_CUSTOMER = 5;
/** Order #5 of each customer is the one the sample sends to fulfillment. */
export const PENDING_ORDER_INDEX = 4;

/** Status each fulfillment step moves the three fulfillments (and order #5) to. */
export const STEP_STATUS = {
  process: 'PROCESSING',
  ship: 'SHIPPED',
  'in-transit': 'IN_TRANSIT',
  receive: 'RECEIVED',
} as const satisfies Partial<Record<StepKey, string>>;

/** Order #5's history once the flow is through: the original's six events. */
export const FULL_HISTORY = [
  'CREATED',
  'APPROVED',
  'PROCESSING',
  'SHIPPED',
  'IN_TRANSIT',
  'RECEIVED',
] as const;

/** Final status of the canned orders #1–#4, which the flow never touches. */
export const CANNED_FINAL_STATUS = ['REJECTED', 'RECEIVED', 'CANCELLED', 'RETURNED'] as const;

// ---------------------------------------------------------------- the summaries, loosely typed

export interface CustomerSummary {
  id: string;
  contact?: { email?: string };
}

export interface OrderSummary {
  guid: string;
  orderStatusEvents: Array<{ orderStatusType: string }>;
}

export interface CustomerOrdersSummary {
  id: string;
  orders: OrderSummary[];
}

export interface FulfillmentSummary {
  id: string;
  status: string;
  shippingMethod: string | null;
  order: { guid: string };
}

/** What the summary views answered; a view left out was not read (or did not answer). */
export interface Snapshot {
  customers?: CustomerSummary[];
  customerOrders?: CustomerOrdersSummary[];
  fulfillments?: FulfillmentSummary[];
}

/** Which summaries a step's check reads. */
export function viewsFor(step: StepKey): Service[] {
  switch (step) {
    case 'customers':
      return ['accounts', 'orders'];
    case 'orders':
      return ['orders'];
    case 'fulfill':
      return ['orders', 'fulfillment'];
    default:
      return ['orders', 'fulfillment'];
  }
}

export interface Progress {
  done: boolean;
  /** What was seen, e.g. "fulfillment 2/3 PROCESSING, orders #5 2/3 at PROCESSING". */
  detail: string;
}

function lastStatus(order: OrderSummary | undefined): string | undefined {
  return order?.orderStatusEvents.at(-1)?.orderStatusType;
}

function pendingOrders(customerOrders: readonly CustomerOrdersSummary[]): OrderSummary[] {
  return customerOrders.flatMap((c) => {
    const order = c.orders[PENDING_ORDER_INDEX];
    return order ? [order] : [];
  });
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  return left.size === new Set(b).size && b.every((x) => left.has(x));
}

/**
 * Whether a step's effect has propagated, judged on the summaries:
 * 1 accounts has the three customers and orders their three replicas; 2 every replica has its
 * five orders; 3 fulfillment holds one fulfillment per order #5; 4–7 the three fulfillments
 * are in the step's status and every order #5's history ends with it.
 */
export function stepProgress(step: StepKey, s: Snapshot): Progress {
  const customers = s.customers ?? [];
  const replicas = s.customerOrders ?? [];
  const fulfillments = s.fulfillments ?? [];
  switch (step) {
    case 'customers': {
      const ids = customers.map((c) => c.id);
      const replicated = replicas.filter((r) => ids.includes(r.id)).length;
      return {
        done:
          customers.length === SAMPLE_CUSTOMERS &&
          replicas.length === SAMPLE_CUSTOMERS &&
          replicated === SAMPLE_CUSTOMERS,
        detail: `accounts ${customers.length}/${SAMPLE_CUSTOMERS} customers, orders ${replicated}/${SAMPLE_CUSTOMERS} replicas`,
      };
    }
    case 'orders': {
      const counts = replicas.map((r) => r.orders.length);
      return {
        done:
          replicas.length === SAMPLE_CUSTOMERS &&
          counts.every((n) => n === SAMPLE_ORDERS_PER_CUSTOMER),
        detail: `orders per customer: ${counts.join(', ') || 'no customers'}`,
      };
    }
    case 'fulfill': {
      const pending = pendingOrders(replicas).map((o) => o.guid);
      const guids = fulfillments.map((f) => f.order.guid);
      const approved = fulfillments.filter((f) => f.status === 'APPROVED').length;
      return {
        done:
          pending.length === SAMPLE_CUSTOMERS &&
          fulfillments.length === SAMPLE_CUSTOMERS &&
          approved === SAMPLE_CUSTOMERS &&
          sameSet(pending, guids),
        detail: `fulfillment ${fulfillments.length}/${SAMPLE_CUSTOMERS} documents (${approved} APPROVED)`,
      };
    }
    default: {
      const status = STEP_STATUS[step];
      const moved = fulfillments.filter((f) => f.status === status).length;
      const pending = pendingOrders(replicas);
      const reached = pending.filter((o) => lastStatus(o) === status).length;
      return {
        done:
          fulfillments.length === SAMPLE_CUSTOMERS &&
          moved === SAMPLE_CUSTOMERS &&
          pending.length === SAMPLE_CUSTOMERS &&
          reached === SAMPLE_CUSTOMERS,
        detail: `fulfillment ${moved}/${SAMPLE_CUSTOMERS} ${status}, orders #5 ${reached}/${SAMPLE_CUSTOMERS} at ${status}`,
      };
    }
  }
}

/**
 * Everything that differs from the original's end state after the seven steps (empty when
 * it matches): three customers, three replicas with five orders each, orders #1–#4 as canned,
 * order #5 with the full six-event history, one RECEIVED fulfillment with a carrier per order #5.
 */
export function endStateProblems(s: Snapshot): string[] {
  const problems: string[] = [];
  const customers = s.customers ?? [];
  const replicas = s.customerOrders ?? [];
  const fulfillments = s.fulfillments ?? [];
  if (customers.length !== SAMPLE_CUSTOMERS) {
    problems.push(`accounts holds ${customers.length} customers, expected ${SAMPLE_CUSTOMERS}`);
  }
  if (replicas.length !== SAMPLE_CUSTOMERS) {
    problems.push(`orders holds ${replicas.length} customers, expected ${SAMPLE_CUSTOMERS}`);
  }
  const accountIds = customers.map((c) => c.id);
  for (const replica of replicas) {
    if (!accountIds.includes(replica.id)) {
      problems.push(`orders holds customer ${replica.id}, which accounts does not`);
    }
    if (replica.orders.length !== SAMPLE_ORDERS_PER_CUSTOMER) {
      problems.push(
        `customer ${replica.id} has ${replica.orders.length} orders, expected ${SAMPLE_ORDERS_PER_CUSTOMER}`,
      );
      continue;
    }
    CANNED_FINAL_STATUS.forEach((status, i) => {
      const actual = lastStatus(replica.orders[i]);
      if (actual !== status) {
        problems.push(`customer ${replica.id} order #${i + 1} ends ${actual}, expected ${status}`);
      }
    });
    const history = replica.orders[PENDING_ORDER_INDEX].orderStatusEvents.map(
      (e) => e.orderStatusType,
    );
    if (history.join() !== FULL_HISTORY.join()) {
      problems.push(
        `customer ${replica.id} order #5 history is ${history.join(' → ')}, expected ${FULL_HISTORY.join(' → ')}`,
      );
    }
  }
  if (fulfillments.length !== SAMPLE_CUSTOMERS) {
    problems.push(
      `fulfillment holds ${fulfillments.length} documents, expected ${SAMPLE_CUSTOMERS}`,
    );
  }
  for (const f of fulfillments) {
    if (f.status !== 'RECEIVED') problems.push(`fulfillment ${f.id} is ${f.status}, not RECEIVED`);
    if (!f.shippingMethod) problems.push(`fulfillment ${f.id} has no shipping method`);
  }
  const pending = pendingOrders(replicas).map((o) => o.guid);
  if (
    fulfillments.length === SAMPLE_CUSTOMERS &&
    !sameSet(
      pending,
      fulfillments.map((f) => f.order.guid),
    )
  ) {
    problems.push("fulfillment's order guids are not the orders #5 of the three customers");
  }
  return problems;
}

// ---------------------------------------------------------------- targets

/** 127.0.0.0/8, ::1 and localhost: a server only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h.replace(/^::ffff:/, ''));
  return v4 !== null && Number(v4[1]) === 127 && v4.slice(1).every((n) => Number(n) <= 255);
}

/** Host of `host:port`, `[v6]:port` or a bare host. */
export function hostOfAddress(address: string): string {
  const trimmed = address.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed);
  if (bracketed) return bracketed[1];
  const colons = trimmed.split(':').length - 1;
  // More than one colon without brackets: a bare IPv6 address.
  if (colons > 1) return trimmed;
  return trimmed.split(':')[0];
}

/** Hosts of a MongoDB connection string (`mongodb://user:pw@h1:27017,h2/db?…`). */
export function mongoHosts(url: string): string[] {
  const match = /^mongodb(\+srv)?:\/\/([^/?]*)/.exec(url.trim());
  if (!match) throw new Error(`not a MongoDB connection string: ${redactUrl(url)}`);
  const authority = match[2];
  return authority
    .slice(authority.lastIndexOf('@') + 1)
    .split(',')
    .filter(Boolean)
    .map((h) => (match[1] ? `srv:${hostOfAddress(h)}` : hostOfAddress(h)));
}

/** The URL without its credentials, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^/?]*@/, '//***@');
}

export interface Target {
  gatewayUrl: string;
  mongoUrl: string;
  kafkaBrokers: readonly string[];
}

/** Every server of the target that is not on this machine, as "what host". */
export function nonLoopbackServers(target: Target): string[] {
  const servers: Array<[string, string]> = [
    ['gateway', new URL(target.gatewayUrl).hostname],
    ...mongoHosts(target.mongoUrl).map((h): [string, string] => ['MongoDB', h]),
    ...target.kafkaBrokers.map((b): [string, string] => ['Kafka', hostOfAddress(b)]),
  ];
  return servers.filter(([, host]) => !isLoopbackHost(host)).map(([what, h]) => `${what} ${h}`);
}

/** An environment name a service reports that must never be wiped without --force. */
export function isProtectedEnvironment(environment: string | undefined): boolean {
  return environment !== undefined && /^(prod|production|live|staging)$/i.test(environment.trim());
}

// ---------------------------------------------------------------- printing

/** Full card numbers stay out of the printout, as they stay out of every API response. */
export function maskCards<T>(document: T): T {
  if (Array.isArray(document)) return document.map((d: unknown) => maskCards(d)) as T;
  // Only plain objects: ObjectIds and Dates keep their own JSON form.
  if (
    document === null ||
    typeof document !== 'object' ||
    Object.getPrototypeOf(document) !== Object.prototype
  ) {
    return document;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document as Record<string, unknown>)) {
    if (key === 'creditCards' && Array.isArray(value)) {
      copy[key] = value.map((card: unknown) =>
        card && typeof card === 'object' && 'number' in card
          ? { ...card, number: maskCardNumber(String(card.number)) }
          : card,
      );
    } else {
      copy[key] = maskCards(value);
    }
  }
  return copy as T;
}

function maskCardNumber(stored: string): string {
  // Encrypted at rest: enc:v1:<last4>:<iv>:<ciphertext>:<tag>.
  const encrypted = /^enc:v\d+:(\d{4}):/.exec(stored);
  const last4 = encrypted ? encrypted[1] : stored.replace(/\D/g, '').slice(-4);
  return `************${last4}`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
