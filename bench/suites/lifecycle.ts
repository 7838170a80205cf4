/**
 * Order lifecycle throughput: orders carried through create → approve → fulfill (orders) →
 * process → ship → in-transit → receive (fulfillment), with the status events flowing back
 * to orders over Kafka.
 *
 * A closed loop of `concurrency` workers, each walking one order at a time through the eight
 * calls, straight to the services (the gateway is measured on its own). The fulfill call
 * publishes the request; the worker then retries `process` until fulfillment has received it
 * (404 until then), pausing a quarter of the wait so far (20 to 500 ms) between tries. Each worker owns its customers, so no two workers write the
 * same customer document. Workers start orders for the window's length; an order counts when
 * its `receive` answered within the window. Orders in flight at the end finish and are checked
 * like the others.
 *
 * `history` (`--history 1,200`): one measured window per value, each on customers of its own
 * that already hold that many received orders (written straight into orders' database before
 * the walks), so the result shows whether an order costs more when its customer has bought a
 * lot.
 *
 * At the end every order's history in orders must be exactly CREATED, APPROVED, PROCESSING,
 * SHIPPED, IN_TRANSIT, RECEIVED: a missing status is lost, a repeated one doubled. Dead
 * letters and retries come from the apps' /actuator/prometheus.
 */
import { Topics } from '@storefront/events';
import { byMode, type StackContext } from '../lib/context';
import { createCustomers, ORDER_BODY, waitForReplicas } from '../lib/customers';
import { HttpClient } from '../lib/http';
import {
  type AppProfile,
  commandsPer,
  diffCounts,
  profileWhile,
  readSamples,
  scrapeCounters,
  scrapeDatabaseCommands,
} from '../lib/probe';
import { type LatencySummary, round, sleep, summarize } from '../lib/stats';
import { closedLoop, eachConcurrently, pollUntil } from '../lib/schedule';
import { WRITES_PER_ORDER } from '../lib/figures';
import { seedEarlierOrders } from '../lib/seed-orders';
import { type CpuUse, cpuSince, cpuSnapshot } from '../lib/cpu';
import type { DatabaseProfile } from '../lib/goprofile';

const EXPECTED = ['CREATED', 'APPROVED', 'PROCESSING', 'SHIPPED', 'IN_TRANSIT', 'RECEIVED'];
const STEPS = ['process', 'ship', 'in-transit', 'receive'] as const;
/**
 * Pause between `process` tries while fulfillment has not received the request: a quarter of
 * the wait so far, 20 to 500 ms. Each 404 costs fulfillment a request and a key read, so
 * polling gently.
 */
const PROCESS_PACE = { fraction: 0.25, minMs: 20, maxMs: 500 };

export interface LifecycleWindow {
  readonly seconds: number;
  readonly started: number;
  /** `receive` answered within the window. */
  readonly completedInWindow: number;
  readonly ordersPerSecond: number;
  /** One order's walk: create → receive answered. */
  readonly orderLatency: LatencySummary;
  /** fulfill answered → fulfillment had the request (the Kafka hop orders → fulfillment). */
  readonly fulfillRequestDelay: LatencySummary;
  /** Status events in orders: occurred-at in fulfillment → applied in orders. */
  readonly statusEventAge: LatencySummary;
  readonly failedCalls: number;
  /** `process` answered 404 (request not there yet) per second: the measurement's own load. */
  readonly earlyProcessTriesPerSecond: number;
  /** CPU per process during the window (percent of one core). */
  readonly cpu: CpuUse;
  /**
   * Database commands each service sent during the window per order completed in it, by
   * command (its `mongodb_commands_total`; background work such as the outbox sweep included).
   */
  readonly databaseCommandsPerOrder?: Readonly<
    Record<LifecycleService, Record<string, number> & { total: number }>
  >;
}

const SERVICES = ['accounts', 'orders', 'fulfillment'] as const;
type LifecycleService = (typeof SERVICES)[number];

/** One measured window on customers that already held `earlierOrders` orders each. */
export interface LifecycleHistoryRun {
  readonly earlierOrders: number;
  readonly customers: number;
  /** Writing the earlier orders into the database, before the walks. */
  readonly seedSeconds: number;
  readonly window: LifecycleWindow;
}

export interface LifecycleOptions {
  /** Earlier orders per customer, one measured window for each value (default: none). */
  readonly history?: readonly number[];
}

export interface LifecycleResult {
  readonly settings: {
    concurrency: number;
    /** Per history value: each measured window walks customers of its own. */
    customers: number;
    windowSeconds: number;
    history: number[];
    /** Single-document writes one order costs in this code (figures.ts WRITES_PER_ORDER). */
    writesPerOrder?: number;
  };
  /** The first history value's window (with no `--history`: customers without orders). */
  readonly window: LifecycleWindow;
  /** Every history value's window, in the order they ran. */
  readonly histories?: LifecycleHistoryRun[];
  readonly check: {
    readonly orders: number;
    readonly exact: number;
    readonly lost: number;
    readonly doubled: number;
    readonly otherwiseWrong: number;
    /** Not RECEIVED in orders 120 s after the last receive. */
    readonly incomplete: number;
    /**
     * After the last `receive` answered, until orders showed every order RECEIVED (read order
     * by order, so coarse: a pass takes a few hundred ms).
     */
    readonly drainMs: number | null;
    readonly examples: string[];
  };
  readonly messaging: Record<string, number>;
  readonly profiles?: AppProfile[];
  /** FerretDB's Go CPU profile over the same profiled window. */
  readonly databaseProfile?: DatabaseProfile;
}

interface Walked {
  readonly customerId: string;
  readonly guid: string;
  readonly startedAt: number;
  receivedAt?: number;
  fulfillDelayMs?: number;
}

export async function runLifecycle(
  context: StackContext,
  options: LifecycleOptions = {},
): Promise<LifecycleResult> {
  const earlierCounts = options.history?.length ? [...options.history] : [0];
  const accounts = new HttpClient(context.stack.url('accounts'));
  const orders = new HttpClient(context.stack.url('orders'), 128);
  const fulfillment = new HttpClient(context.stack.url('fulfillment'), 128);
  const concurrency = 16;
  const customersPerWorker = 8;
  const windowMs = byMode(context, 20_000, 60_000);
  const walked: Walked[] = [];
  let failedCalls = 0;
  let lastReceiveAt = 0;
  let notYet = 0;

  let ids: string[] = [];

  try {
    const call = async <T>(client: HttpClient, method: string, path: string, body?: unknown) => {
      const result = await client.request<T>(method, path, body);
      if (result.status < 200 || result.status >= 300) {
        failedCalls += 1;
        throw new Error(
          `${method} ${path}: ${result.status} ${JSON.stringify(result.body).slice(0, 200)}`,
        );
      }
      return result.body;
    };

    const walk = async (slot: number, n: number): Promise<void> => {
      const customerId = ids[slot * customersPerWorker + (n % customersPerWorker)];
      const startedAt = performance.now();
      const base = `/customers/${customerId}/orders`;
      const { guid } = await call<{ guid: string }>(orders, 'POST', base, ORDER_BODY);
      const order: Walked = { customerId, guid, startedAt };
      walked.push(order);
      await call(orders, 'POST', `${base}/${guid}/approve`);
      await call(orders, 'POST', `${base}/${guid}/fulfill`);
      const fulfilled = performance.now();
      let status = 0;
      const took = await pollUntil(
        async () => {
          status = (await fulfillment.request('POST', `/fulfillments/${guid}/process`)).status;
          if (status === 404) notYet += 1;
          return status !== 404;
        },
        60_000,
        PROCESS_PACE,
      );
      if (took === undefined || status !== 200) {
        failedCalls += 1;
        throw new Error(`process ${guid}: ${status}`);
      }
      order.fulfillDelayMs = performance.now() - fulfilled;
      for (const step of STEPS.slice(1))
        await call(fulfillment, 'POST', `/fulfillments/${guid}/${step}`);
      order.receivedAt = performance.now();
      lastReceiveAt = Date.now();
    };

    const runWindow = async (durationMs: number, label: string): Promise<LifecycleWindow> => {
      const fromMs = Date.now();
      const t0 = performance.now();
      const end = t0 + durationMs;
      const first = walked.length;
      const notYetBefore = notYet;
      const cpuStart = cpuSnapshot(context.processes());
      const commands = () =>
        Promise.all(SERVICES.map((app) => scrapeDatabaseCommands(context.stack.url(app))));
      const commandsStart = await commands();
      await closedLoop(
        concurrency,
        (slot, n) =>
          walk(slot, n).catch((error: Error) => context.log(`lifecycle: ${error.message}`)),
        () => performance.now() >= end,
      );
      const cpu = cpuSince(cpuStart, context.processes());
      const commandsEnd = await commands();
      const mine = walked.slice(first);
      const done = mine.filter((o) => o.receivedAt !== undefined && o.receivedAt <= end);
      const databaseCommandsPerOrder = Object.fromEntries(
        SERVICES.map((app, i) => [
          app,
          commandsPer(diffCounts(commandsStart[i], commandsEnd[i]), done.length),
        ]),
      ) as LifecycleWindow['databaseCommandsPerOrder'];
      await sleep(500);
      const ages = readSamples(
        context.probeDir,
        'orders',
        'messaging_event_age_seconds',
        Topics.OrderStatusChange,
        fromMs,
        Date.now(),
      );
      const result: LifecycleWindow = {
        seconds: durationMs / 1000,
        started: mine.length,
        completedInWindow: done.length,
        ordersPerSecond: round(done.length / (durationMs / 1000), 1),
        orderLatency: summarize(done.map((o) => o.receivedAt! - o.startedAt)),
        fulfillRequestDelay: summarize(
          mine.filter((o) => o.fulfillDelayMs !== undefined).map((o) => o.fulfillDelayMs!),
        ),
        statusEventAge: summarize(ages.map((s) => s.ms)),
        failedCalls,
        earlyProcessTriesPerSecond: round((notYet - notYetBefore) / (durationMs / 1000), 1),
        cpu,
        databaseCommandsPerOrder,
      };
      context.log(
        `lifecycle, ${label}: ${result.ordersPerSecond} orders/s over ${result.seconds} s (${result.completedInWindow} orders, walk p50 ${result.orderLatency.p50Ms} ms; db commands/order: ${SERVICES.map((app) => `${app} ${databaseCommandsPerOrder?.[app].total}`).join(', ')})`,
      );
      return result;
    };

    const histories: LifecycleHistoryRun[] = [];
    for (const [k, earlierOrders] of earlierCounts.entries()) {
      const count = concurrency * customersPerWorker;
      context.log(`lifecycle: creating ${count} customers…`);
      ids = await createCustomers(accounts, count, 8, 100_000 + k * 10_000);
      await waitForReplicas(orders, ids);
      const seedSeconds = await seedEarlierOrders(
        context.infra.mongoUrl,
        context.stack.databases.orders,
        ids,
        earlierOrders,
      );
      if (earlierOrders > 0) {
        context.log(
          `lifecycle: ${earlierOrders} earlier orders for each of ${count} customers (${seedSeconds} s)`,
        );
      }
      const label = `${earlierOrders} earlier order${earlierOrders === 1 ? '' : 's'} per customer`;
      // Warm-up, not reported (its orders are still checked at the end).
      await runWindow(3_000, `warm-up, ${label}`);
      const window = await runWindow(windowMs, `measured, ${label}`);
      histories.push({ earlierOrders, customers: count, seedSeconds, window });
    }

    let profiles: AppProfile[] | undefined;
    let databaseProfile: DatabaseProfile | undefined;
    if (context.profile) {
      context.log('lifecycle: CPU profile of orders, fulfillment and FerretDB…');
      const profileMs = byMode(context, 8_000, 15_000);
      const profiled = await profileWhile(
        context.stack,
        context.probeDir,
        ['orders', 'fulfillment'],
        () => runWindow(profileMs, 'profiled, not reported'),
        { url: context.infra.databaseProfileUrl, seconds: profileMs / 1000, log: context.log },
      );
      profiles = profiled.profiles;
      databaseProfile = profiled.databaseProfile;
    }

    // The check: every order's history in orders, once every status has had time to arrive.
    type OrderView = { guid: string; orderStatusEvents: { orderStatusType: string }[] };
    const seen = new Map<string, string[]>();
    const settleDeadline = Date.now() + 120_000;
    let settledAt: number | null = null;
    let unsettled = walked.filter((o) => o.receivedAt !== undefined);
    for (;;) {
      await eachConcurrently(unsettled, 8, async (order) => {
        const path = `/customers/${order.customerId}/orders/${order.guid}`;
        // A GET is safe to send again: a kept-alive socket the app closed meanwhile hangs up.
        const view = await orders
          .expectOk<OrderView>('GET', path)
          .catch(() => orders.expectOk<OrderView>('GET', path));
        seen.set(
          order.guid,
          view.orderStatusEvents.map((e) => e.orderStatusType),
        );
      });
      unsettled = unsettled.filter((o) => seen.get(o.guid)?.at(-1) !== 'RECEIVED');
      if (unsettled.length === 0) {
        settledAt = Date.now();
        break;
      }
      if (Date.now() > settleDeadline) break;
      await sleep(250);
    }
    let exact = 0;
    let lost = 0;
    let doubled = 0;
    let otherwiseWrong = 0;
    let incomplete = 0;
    const examples: string[] = [];
    for (const order of walked) {
      const steps = seen.get(order.guid) ?? [];
      if (order.receivedAt === undefined) continue; // a walk that failed midway: reported in failedCalls
      if (steps.join() === EXPECTED.join()) {
        exact += 1;
        continue;
      }
      const missing = EXPECTED.filter((s) => !steps.includes(s));
      const repeated = steps.filter((s, i) => steps.indexOf(s) !== i);
      if (steps.at(-1) !== 'RECEIVED' && missing.length > 0) incomplete += 1;
      if (missing.length > 0) lost += 1;
      if (repeated.length > 0) doubled += 1;
      if (missing.length === 0 && repeated.length === 0) otherwiseWrong += 1;
      if (examples.length < 5) examples.push(`${order.guid}: ${steps.join(' → ')}`);
    }
    const counters = [
      'messaging_dead_lettered_total',
      'messaging_retried_total',
      'messaging_publish_failures_total',
    ];
    const messaging: Record<string, number> = {};
    for (const app of ['orders', 'fulfillment'] as const) {
      const totals = await scrapeCounters(context.stack.url(app), counters);
      for (const name of counters) messaging[`${app}.${name}`] = totals[name] ?? 0;
    }
    const check = {
      orders: walked.filter((o) => o.receivedAt !== undefined).length,
      exact,
      lost,
      doubled,
      otherwiseWrong,
      incomplete,
      drainMs: settledAt === null ? null : Math.max(0, settledAt - lastReceiveAt),
      examples,
    };
    context.log(
      `lifecycle: check of ${check.orders} orders: ${exact} exact, ${lost} lost, ${doubled} doubled, ${otherwiseWrong} otherwise wrong`,
    );
    return {
      settings: {
        concurrency,
        customers: ids.length,
        windowSeconds: windowMs / 1000,
        history: earlierCounts,
        writesPerOrder: WRITES_PER_ORDER,
      },
      window: histories[0].window,
      histories,
      check,
      messaging,
      ...(profiles ? { profiles } : {}),
      ...(databaseProfile ? { databaseProfile } : {}),
    };
  } finally {
    accounts.close();
    orders.close();
    fulfillment.close();
  }
}
