/**
 * The chaos run's workload: a mixed stream of writes through the gateway at a set rate
 * (customer creates, patches and deletes; order lifecycles create → approve → fulfill →
 * process → ship → in-transit → receive), with a ledger of what was answered 2xx.
 *
 * A step answered 5xx (or not at all) is sent again, for up to a minute and a half: it may have
 * taken effect, so a later 4xx is checked against the resource's state before the step counts
 * as done (that retry is what a client does, and what the "nothing doubled" promise is about).
 * An order create is never sent again (a second create is a second order): an unanswered create
 * abandons the walk. Customer writes are not retried: an unanswered one is recorded as uncertain.
 */
import { customerBody, ORDER_BODY } from '../../bench/lib/customers';
import { HttpClient } from '../../bench/lib/http';
import { type CustomerLedger, LIFECYCLE } from './chaos.rules';

/** How long a step is tried again while it fails with 5xx, or 404 before fulfillment has it. */
const STEP_DEADLINE_MS = 90_000;
/** A request not answered by then counts as a hang (the gateway's own timeouts are 3 s). */
const REQUEST_TIMEOUT_MS = 15_000;
const FULFILLMENT_STEPS = [
  ['process', 'PROCESSING'],
  ['ship', 'SHIPPED'],
  ['in-transit', 'IN_TRANSIT'],
  ['receive', 'RECEIVED'],
] as const;

/** One call the client saw fail: a status outside 2xx/4xx, or no answer (status 0). */
export interface FailedCall {
  readonly at: number;
  readonly status: number;
  readonly what: string;
}

/**
 * What a fault may do to a client, and what it must never do: an error answer is JSON, a
 * server-side failure is 502, 503 or 504 (never a 500), and every request is answered or
 * refused well within the gateway's timeouts (never left hanging).
 */
export interface ClientContract {
  /** Requests with no answer after REQUEST_TIMEOUT_MS. */
  hung: number;
  /** Connections refused or reset: the gateway itself was down. Allowed. */
  refused: number;
  /** Error answers whose body is not JSON. */
  notJson: number;
  /** 5xx answers other than 502, 503 and 504. */
  otherServerErrors: number;
  /** Up to ten breaches, for the results file. */
  examples: string[];
}

const FAULT_STATUSES = new Set([502, 503, 504]);

export interface OrderLedger {
  readonly customerId: string;
  readonly guid: string;
  /** How many statuses along LIFECYCLE were acknowledged (or confirmed after a retry). */
  acked: number;
  /** Whether fulfill was acknowledged: fulfillment must then hold exactly one request. */
  fulfillAcked: boolean;
  complete: boolean;
  /** Why the walk stopped early. */
  abandoned?: string;
}

export interface WorkloadCounts {
  calls: number;
  ok: number;
  /** Calls sent again after a failure. */
  retries: number;
  /** Ticks skipped because `maxInFlight` operations were still running. */
  skipped: number;
  operations: Record<'order' | 'create' | 'patch' | 'delete', number>;
}

type Outcome = { ok: true; body: unknown } | { ok: false; status: number; uncertain: boolean };

export class Workload {
  readonly customers = new Map<string, CustomerLedger>();
  readonly orders: OrderLedger[] = [];
  readonly failures: FailedCall[] = [];
  readonly contract: ClientContract = {
    hung: 0,
    refused: 0,
    notJson: 0,
    otherServerErrors: 0,
    examples: [],
  };
  readonly counts: WorkloadCounts = {
    calls: 0,
    ok: 0,
    retries: 0,
    skipped: 0,
    operations: { order: 0, create: 0, patch: 0, delete: 0 },
  };
  /** Customers that take orders: created before the faults, never deleted. */
  private readonly orderCustomers: string[] = [];
  private readonly busy = new Set<string>();
  private readonly http: HttpClient;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private serial = 0;

  constructor(
    gatewayUrl: string,
    private readonly random: () => number,
    private readonly log: (line: string) => void,
  ) {
    this.http = new HttpClient(gatewayUrl, 256);
  }

  /** Creates the customers that orders are placed for, before any fault. */
  async seed(count: number): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      const id = await this.createCustomer();
      if (!id) throw new Error('the gateway refused a customer before any fault');
      this.orderCustomers.push(id);
    }
  }

  /** Starts an operation every 1/rate seconds, at most `maxInFlight` running at once. */
  start(ratePerSecond: number, maxInFlight: number): void {
    this.timer = setInterval(
      () => {
        if (this.inFlight.size >= maxInFlight) {
          this.counts.skipped += 1;
          return;
        }
        const running = this.operation()
          .catch((error: Error) => this.log(`workload: ${error.message}`))
          .finally(() => this.inFlight.delete(running));
        this.inFlight.add(running);
      },
      Math.max(1, Math.round(1000 / ratePerSecond)),
    );
  }

  /** Stops starting operations and waits for the running ones to finish. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  close(): void {
    this.http.close();
  }

  private async operation(): Promise<void> {
    const roll = this.random();
    if (roll < 0.45) {
      this.counts.operations.order += 1;
      const customerId =
        this.orderCustomers[Math.floor(this.random() * this.orderCustomers.length)];
      await this.walkOrder(customerId);
    } else if (roll < 0.6) {
      this.counts.operations.create += 1;
      await this.createCustomer();
    } else if (roll < 0.9) {
      const ledger = this.pickCustomer(true);
      if (!ledger) return;
      this.counts.operations.patch += 1;
      await this.exclusive(ledger.id, () => this.patchCustomer(ledger));
    } else {
      const ledger = this.pickCustomer(false);
      if (!ledger) return;
      this.counts.operations.delete += 1;
      await this.exclusive(ledger.id, () => this.deleteCustomer(ledger));
    }
  }

  /** A live customer no other operation is writing; order customers too when `withOrders`. */
  private pickCustomer(withOrders: boolean): CustomerLedger | undefined {
    const candidates = [...this.customers.values()].filter(
      (c) =>
        c.deleted === 'no' &&
        !this.busy.has(c.id) &&
        (withOrders || !this.orderCustomers.includes(c.id)),
    );
    return candidates[Math.floor(this.random() * candidates.length)];
  }

  private async exclusive(id: string, run: () => Promise<void>): Promise<void> {
    this.busy.add(id);
    try {
      await run();
    } finally {
      this.busy.delete(id);
    }
  }

  private nextName(): string {
    this.serial += 1;
    return `Chaos${this.serial}`;
  }

  private async createCustomer(): Promise<string | undefined> {
    const firstName = this.nextName();
    const base = customerBody(this.serial);
    const body = { ...base, name: { ...(base.name as object), firstName } };
    const outcome = await this.send('POST', '/accounts/customers', body);
    if (!outcome.ok) return undefined;
    const id = String((outcome.body as { id: string }).id);
    this.customers.set(id, { id, ackedName: firstName, uncertainNames: [], deleted: 'no' });
    return id;
  }

  private async patchCustomer(ledger: CustomerLedger): Promise<void> {
    const firstName = this.nextName();
    const outcome = await this.send('PATCH', `/accounts/customers/${ledger.id}`, {
      name: { firstName },
    });
    if (outcome.ok) ledger.ackedName = firstName;
    else if (outcome.uncertain) ledger.uncertainNames.push(firstName);
    else this.log(`workload: PATCH ${ledger.id} refused with ${outcome.status}`);
  }

  private async deleteCustomer(ledger: CustomerLedger): Promise<void> {
    const outcome = await this.send('DELETE', `/accounts/customers/${ledger.id}`);
    if (outcome.ok) ledger.deleted = 'acked';
    else if (outcome.uncertain) ledger.deleted = 'uncertain';
    else this.log(`workload: DELETE ${ledger.id} refused with ${outcome.status}`);
  }

  private async walkOrder(customerId: string): Promise<void> {
    const base = `/orders/customers/${customerId}/orders`;
    const created = await this.send('POST', base, ORDER_BODY);
    if (!created.ok) return;
    const guid = String((created.body as { guid: string }).guid);
    const order: OrderLedger = { customerId, guid, acked: 1, fulfillAcked: false, complete: false };
    this.orders.push(order);
    const orderStatus = async (): Promise<string | undefined> => {
      const got = await this.send('GET', `${base}/${guid}`);
      return got.ok ? (got.body as { status: string }).status : undefined;
    };
    const fulfillmentStatus = async (): Promise<string | undefined> => {
      const got = await this.send('GET', `/fulfillment/fulfillments/${guid}`);
      return got.ok ? (got.body as { status: string }).status : undefined;
    };
    const reached = (status: string | undefined, wanted: string): boolean =>
      status !== undefined &&
      LIFECYCLE.indexOf(status as never) >= LIFECYCLE.indexOf(wanted as never);

    if (
      !(await this.step(order, 'POST', `${base}/${guid}/approve`, {}, async () =>
        reached(await orderStatus(), 'APPROVED'),
      ))
    )
      return;
    order.acked = 2;
    // fulfill is idempotent (a second one answers 2xx); a 4xx after a failed try means the
    // order moved on, which only fulfillment's copy can tell.
    const fulfilled = await this.step(
      order,
      'POST',
      `${base}/${guid}/fulfill`,
      undefined,
      async () => (await fulfillmentStatus()) !== undefined,
    );
    if (!fulfilled) return;
    order.fulfillAcked = true;
    for (const [step, status] of FULFILLMENT_STEPS) {
      const done = await this.step(
        order,
        'POST',
        `/fulfillment/fulfillments/${guid}/${step}`,
        undefined,
        async () => reached(await fulfillmentStatus(), status),
        // Until fulfillment has consumed the request, `process` answers 404.
        step === 'process',
      );
      if (!done) return;
      order.acked = LIFECYCLE.indexOf(status) + 1;
    }
    order.complete = true;
  }

  /**
   * Sends one step until it is answered 2xx, retrying failures; a 4xx after a failed try is
   * checked with `confirm` (the failed try may have applied). False: the walk is abandoned.
   */
  private async step(
    order: OrderLedger,
    method: string,
    path: string,
    body: unknown,
    confirm: () => Promise<boolean>,
    notFoundIsEarly = false,
  ): Promise<boolean> {
    const deadline = Date.now() + STEP_DEADLINE_MS;
    let uncertain = false;
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 0) this.counts.retries += 1;
      const outcome = await this.send(method, path, body);
      if (outcome.ok) return true;
      const early = notFoundIsEarly && outcome.status === 404;
      const conflict = outcome.status === 409 && !uncertain;
      if (outcome.uncertain) uncertain = true;
      else if (!early && !conflict) {
        if (uncertain && (await confirm())) return true;
        order.abandoned = `${method} ${path}: ${outcome.status}`;
        return false;
      }
      if (Date.now() > deadline) {
        order.abandoned = `${method} ${path}: still ${outcome.status} after ${STEP_DEADLINE_MS / 1000} s`;
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
    }
  }

  /** One request; a 5xx or no answer is recorded as a failure the client saw. */
  private async send(method: string, path: string, body?: unknown): Promise<Outcome> {
    this.counts.calls += 1;
    let status = 0;
    let answer: unknown;
    try {
      const result = await this.http.request(method, path, body, {}, REQUEST_TIMEOUT_MS);
      status = result.status;
      answer = result.body;
    } catch (error) {
      status = 0;
      const hung = /timed out/.test((error as Error).message);
      if (hung) this.breach('hung', `no answer in ${REQUEST_TIMEOUT_MS} ms: ${method} ${path}`);
      else this.contract.refused += 1;
    }
    if (status >= 200 && status < 300) {
      this.counts.ok += 1;
      return { ok: true, body: answer };
    }
    if (status !== 0 && (typeof answer !== 'object' || answer === null))
      this.breach('notJson', `${status} without a JSON body: ${method} ${path}`);
    if (status >= 500 && !FAULT_STATUSES.has(status))
      this.breach('otherServerErrors', `${status}: ${method} ${path} ${JSON.stringify(answer)}`);
    const uncertain = status === 0 || status >= 500 || status === 429;
    if (uncertain) this.failures.push({ at: Date.now(), status, what: `${method} ${path}` });
    return { ok: false, status, uncertain };
  }

  private breach(kind: 'hung' | 'notJson' | 'otherServerErrors', example: string): void {
    this.contract[kind] += 1;
    if (this.contract.examples.length < 10) this.contract.examples.push(example.slice(0, 300));
  }
}
