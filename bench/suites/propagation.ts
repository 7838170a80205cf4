/**
 * Propagation latency: customer changes committed in accounts → applied to the customer
 * replica in orders.
 *
 * Load: `PATCH /customers/{id}` (a new last name) sent straight to accounts at a fixed
 * open-loop rate (scheduled by the clock, not after the previous answer), round robin over a
 * pool of 200 customers, never two changes of one customer in flight at once, and at most 64
 * PATCHes waiting for accounts (a change due beyond that is skipped, which fails the step).
 *
 * Two measures per change:
 * (a) occurred-at → applied: the event's `ce_time` (stamped when accounts writes the change
 *     and its event in one update) to the moment orders' handler finished applying it. The
 *     replica stores no apply time, so this is the messaging lib's own measurement, the
 *     `messaging_event_age_seconds` histogram, read unbucketed through the probe preloaded
 *     into orders (bench/support/probe.js). Every change of the step is counted.
 * (b) HTTP return → readable: from the PATCH's 200 to `GET /customerOrderses/{id}` on orders
 *     showing the new name. Polling costs the system CPU (on FerretDB 1.x each GET scans the
 *     collection), so only a sample is polled — every change up to 5/s, 5 a second above, one
 *     at a time — and the pause between polls is a fifth of the wait so far (10 to 200 ms):
 *     the resolution is about 20 % of the figure. The GETs sent are counted per step.
 * Also recorded: accounts' PATCH latency and its publish delay (occurred-at → Kafka ack,
 * `messaging_publish_delay_seconds` through the probe), which splits (a) into the outbox part
 * and the Kafka + consumer part.
 *
 * Sustained rate: a step is sustained when (1) accounts answered ≥ 95% of the scheduled
 * changes within the step's time, (2) the median of (a) over the step's last third is not
 * both more than twice and more than 250 ms above the median over its first third — a queue
 * that grows makes the age grow with time, while a stable system's tail jitters by tens of
 * milliseconds when anything else runs — and (3) every change was applied within 5 s of the
 * step's end. The
 * steps run at 50, 200 and 1000 changes/s; then the rate is searched up (or down) the ladder
 * until a step fails; the highest sustained rate is the highest step that passed.
 */
import { Topics } from '@storefront/events';
import { waitUntil } from '../../tools/runtime/wait';
import { byMode, type StackContext } from '../lib/context';
import { createCustomers, waitForReplicas } from '../lib/customers';
import { HttpClient } from '../lib/http';
import {
  type AppProfile,
  commandsPer,
  diffCounts,
  profileWhile,
  readSamples,
  scrapeDatabaseCommands,
} from '../lib/probe';
import { openLoop, pollUntil } from '../lib/schedule';
import { type CpuUse, cpuSince, cpuSnapshot } from '../lib/cpu';
import type { DatabaseProfile } from '../lib/goprofile';
import { type LatencySummary, round, sleep, summarize } from '../lib/stats';

export const FIXED_RATES = [50, 200, 1000] as const;
const LADDER = [
  5, 10, 20, 30, 50, 100, 150, 200, 300, 400, 500, 650, 800, 1000, 1250, 1500, 2000, 3000,
];
const POLLED_PER_SECOND = 5;
/**
 * Changes polled at once, at most: polling must not become the load (each GET is a database
 * read; before ADR 0003's patches it scanned the whole collection).
 */
const MAX_POLLERS = 1;
/** Changes in flight at once, at most: beyond it a change is skipped and the step fails. */
const MAX_IN_FLIGHT = 64;
/** Pause between polls: a fifth of the wait so far, 10 to 200 ms (resolution about 20 %). */
const POLL_PACE = { fraction: 0.2, minMs: 10, maxMs: 200 };
const DRAIN_LIMIT_MS = 5_000;
/** Growth of the median age within a step that, beyond doubling, counts as a growing queue. */
const GROWTH_MS = 250;

export interface PropagationStep {
  readonly ratePerSecond: number;
  readonly durationSeconds: number;
  readonly scheduled: number;
  /** PATCHes answered 200 (others failed or were skipped because every customer was busy). */
  readonly committed: number;
  readonly failed: number;
  /** Not sent: MAX_IN_FLIGHT changes were already waiting for accounts (or every customer was busy). */
  readonly skippedBusy: number;
  /** Committed changes per second over the step's scheduled duration. */
  readonly achievedPerSecond: number;
  /** (a) occurred-at → applied in orders, every change. */
  readonly occurredToApplied: LatencySummary;
  /** (a) over the first and the last third of the step: growth means a queue. */
  readonly occurredToAppliedFirstThirdP50Ms: number;
  readonly occurredToAppliedLastThirdP50Ms: number;
  /** (b) PATCH answered → readable through orders' API, the polled sample. */
  readonly returnToReadable: LatencySummary;
  readonly notReadable: number;
  /** GETs the polling sent to orders during the step, per second: the measurement's own load. */
  readonly pollsPerSecond: number;
  /** accounts: PATCH request → response. */
  readonly patchLatency: LatencySummary;
  /** accounts' relay: occurred-at → Kafka ack. */
  readonly occurredToPublished: LatencySummary;
  /** After the last PATCH answered: how long until every change was applied. */
  readonly drainMs: number | null;
  /** CPU per process while the changes were sent (percent of one core). */
  readonly cpu: CpuUse;
  /**
   * Database commands accounts sent per committed change over the step and its drain, by
   * command (its `mongodb_commands_total`; includes the sweeper's periodic queries).
   */
  readonly accountsCommandsPerChange: Readonly<Record<string, number>> & { readonly total: number };
  readonly sustained: boolean;
  readonly reasons: string[];
}

export interface PropagationResult {
  readonly settings: {
    readonly customers: number;
    readonly stepSeconds: number;
    readonly maxInFlight: number;
    readonly maxPollers: number;
    readonly pollPace: typeof POLL_PACE;
    readonly polledPerSecond: number;
    readonly criterion: string;
  };
  readonly steps: PropagationStep[];
  /** Highest step that passed, and the lowest that failed (the true limit lies between). */
  readonly highestSustainedPerSecond: number | null;
  readonly lowestUnsustainedPerSecond: number | null;
  readonly profileRatePerSecond?: number;
  readonly profiles?: AppProfile[];
  /** FerretDB's Go CPU profile over the same profiled step. */
  readonly databaseProfile?: DatabaseProfile;
}

interface Pool {
  readonly ids: string[];
  readonly busy: Set<number>;
  cursor: number;
}

function takeCustomer(pool: Pool): number | undefined {
  for (let tries = 0; tries < pool.ids.length; tries += 1) {
    const index = pool.cursor;
    pool.cursor = (pool.cursor + 1) % pool.ids.length;
    if (!pool.busy.has(index)) {
      pool.busy.add(index);
      return index;
    }
  }
  return undefined;
}

export async function runPropagation(context: StackContext): Promise<PropagationResult> {
  const accounts = new HttpClient(context.stack.url('accounts'), 256);
  const orders = new HttpClient(context.stack.url('orders'), 64);
  const customerCount = 200;
  const stepMs = byMode(context, 10_000, 30_000);
  const searchSteps = byMode(context, 2, 4);
  try {
    context.log(`propagation: creating ${customerCount} customers in accounts…`);
    const ids = await createCustomers(accounts, customerCount);
    await waitForReplicas(orders, ids);
    const pool: Pool = { ids, busy: new Set(), cursor: 0 };
    const accountsOutboxPending = async (): Promise<number | undefined> => {
      const health = await accounts.request<{
        components?: { outbox?: { details?: { pendingDocuments?: number } } };
      }>('GET', '/actuator/health');
      return health.body.components?.outbox?.details?.pendingDocuments;
    };
    let stepNo = 0;

    const runStep = async (
      rate: number,
      durationMs: number,
      label = 'step',
    ): Promise<PropagationStep> => {
      stepNo += 1;
      const step = stepNo;
      const sampleEvery = Math.max(1, Math.round(rate / POLLED_PER_SECOND));
      const patchLatencies: number[] = [];
      const readable: number[] = [];
      let committed = 0;
      let committedInTime = 0;
      let failed = 0;
      let skippedBusy = 0;
      let notReadable = 0;
      let pollers = 0;
      let polls = 0;
      let lastReturn = 0;
      const work: Promise<void>[] = [];
      const fromMs = Date.now();
      const t0 = performance.now();
      const cpuStart = cpuSnapshot(context.processes());
      const commandsStart = await scrapeDatabaseCommands(context.stack.url('accounts'));

      let inFlight = 0;
      const change = async (index: number, seq: number): Promise<void> => {
        const id = pool.ids[index];
        const lastName = `s${step}n${seq}`;
        const sent = performance.now();
        inFlight += 1;
        try {
          const result = await accounts
            .request('PATCH', `/customers/${id}`, { name: { lastName } })
            .finally(() => (inFlight -= 1));
          const returned = performance.now();
          lastReturn = Date.now();
          patchLatencies.push(returned - sent);
          if (result.status !== 200) {
            failed += 1;
            return;
          }
          committed += 1;
          // Answered within a second of the schedule's end: the rate accounts kept up with.
          if (returned - t0 <= durationMs + 1000) committedInTime += 1;
          if (seq % sampleEvery !== 0) return;
          // Polled: the customer stays busy until its new name is readable, so a later change
          // cannot overwrite the name being waited for.
          if (pollers >= MAX_POLLERS) return;
          pollers += 1;
          try {
            const took = await pollUntil(
              async () => {
                polls += 1;
                const view = await orders.request<{ name?: { lastName?: string } }>(
                  'GET',
                  `/customerOrderses/${id}`,
                );
                return view.status === 200 && view.body.name?.lastName === lastName;
              },
              60_000,
              POLL_PACE,
            );
            if (took === undefined) notReadable += 1;
            else readable.push(performance.now() - returned);
          } finally {
            pollers -= 1;
          }
        } catch {
          failed += 1;
        } finally {
          pool.busy.delete(index);
        }
      };

      let seq = 0;
      await openLoop(rate, durationMs, () => {
        const index = inFlight < MAX_IN_FLIGHT ? takeCustomer(pool) : undefined;
        if (index === undefined) {
          skippedBusy += 1;
          return;
        }
        work.push(change(index, seq++));
      });
      const cpu = cpuSince(cpuStart, context.processes());
      await Promise.all(work);
      const lastAnswer = lastReturn;

      // Every committed change is applied once in orders: wait for as many age samples.
      const topic = Topics.CustomerChange;
      const applied = () =>
        readSamples(
          context.probeDir,
          'orders',
          'messaging_event_age_seconds',
          topic,
          fromMs,
          Date.now(),
        );
      let drainMs: number | null = null;
      const drainDeadline = Date.now() + 60_000;
      for (;;) {
        const samples = applied();
        const latest = samples.reduce((max, s) => Math.max(max, s.at), 0);
        if (samples.length >= committed) {
          drainMs = Math.max(0, latest - lastAnswer);
          break;
        }
        if (Date.now() > drainDeadline) break;
        await sleep(250);
      }
      // Let the probes flush the last samples of accounts too.
      await sleep(300);
      const ages = applied();
      const published = readSamples(
        context.probeDir,
        'accounts',
        'messaging_publish_delay_seconds',
        topic,
        fromMs,
        Date.now(),
      );
      const accountsCommandsPerChange = commandsPer(
        diffCounts(commandsStart, await scrapeDatabaseCommands(context.stack.url('accounts'))),
        committed,
      );
      const thirdMs = durationMs / 3;
      const byOccurrence = (from: number, to: number) =>
        ages
          .filter((s) => s.at - s.ms >= fromMs + from && s.at - s.ms < fromMs + to)
          .map((s) => s.ms);
      const firstP50 = summarize(byOccurrence(0, thirdMs)).p50Ms;
      const lastP50 = summarize(byOccurrence(2 * thirdMs, durationMs + 1000)).p50Ms;
      const achieved = committedInTime / (durationMs / 1000);
      const reasons: string[] = [];
      if (achieved < 0.95 * rate) {
        reasons.push(`accounts committed ${round(achieved, 0)}/s of ${rate}/s scheduled`);
      }
      if (lastP50 > 2 * firstP50 && lastP50 > firstP50 + GROWTH_MS) {
        reasons.push(
          `age p50 grew from ${firstP50} ms (first third) to ${lastP50} ms (last third)`,
        );
      }
      if (drainMs === null || drainMs > DRAIN_LIMIT_MS) {
        reasons.push(
          drainMs === null
            ? `only ${ages.length} of ${committed} changes applied 60 s after the step`
            : `the backlog took ${round(drainMs / 1000, 1)} s to drain`,
        );
      }
      const result: PropagationStep = {
        ratePerSecond: rate,
        durationSeconds: durationMs / 1000,
        scheduled: Math.round((rate * durationMs) / 1000),
        committed,
        failed,
        skippedBusy,
        achievedPerSecond: round(achieved, 1),
        occurredToApplied: summarize(ages.map((s) => s.ms)),
        occurredToAppliedFirstThirdP50Ms: firstP50,
        occurredToAppliedLastThirdP50Ms: lastP50,
        returnToReadable: summarize(readable),
        notReadable,
        pollsPerSecond: round(polls / (durationMs / 1000), 1),
        patchLatency: summarize(patchLatencies),
        occurredToPublished: summarize(published.map((s) => s.ms)),
        drainMs,
        cpu,
        accountsCommandsPerChange,
        sustained: reasons.length === 0,
        reasons,
      };
      context.log(
        `propagation, ${label} at ${rate}/s: applied p50 ${result.occurredToApplied.p50Ms} / p99 ${result.occurredToApplied.p99Ms} ms, readable p50 ${result.returnToReadable.p50Ms} / p99 ${result.returnToReadable.p99Ms} ms, ${accountsCommandsPerChange.total} accounts db commands/change, ${result.sustained ? 'sustained' : `NOT sustained (${reasons.join('; ')})`}`,
      );
      // Between steps: nothing of this step may still be in the works when the next starts —
      // the relay clears a published event from accounts' document after the Kafka ack.
      if (drainMs !== null) {
        await waitUntil(async () => (await accountsOutboxPending()) === 0, {
          what: "accounts' outbox to empty",
          timeoutMs: 60_000,
          intervalMs: 250,
        }).catch(() => context.log('propagation: accounts still had outbox events after 60 s'));
      }
      await sleep(2000);
      return result;
    };

    // Warm-up (JIT, connection pools, the consumer's first fetches); not reported.
    await runStep(10, 3_000, 'warm-up');
    const steps: PropagationStep[] = [];
    // A step whose backlog never drained would still be running under the next one.
    const drained = () => steps.every((step) => step.drainMs !== null);
    for (const rate of FIXED_RATES) {
      if (drained()) steps.push(await runStep(rate, stepMs));
    }

    const passed = (rate: number) => steps.find((s) => s.ratePerSecond === rate)?.sustained;
    const highest = () =>
      Math.max(0, ...steps.filter((s) => s.sustained).map((s) => s.ratePerSecond));
    const lowestFailed = () =>
      Math.min(Infinity, ...steps.filter((s) => !s.sustained).map((s) => s.ratePerSecond));
    for (let extra = 0; extra < searchSteps && drained(); extra += 1) {
      const low = highest();
      const high = lowestFailed();
      const candidates = LADDER.filter(
        (rate) => rate > low && rate < high && passed(rate) === undefined,
      );
      if (candidates.length === 0) break;
      // Upwards past every fixed rate: the next rung; otherwise halve the gap.
      const next =
        high === Infinity ? candidates[0] : candidates[Math.floor((candidates.length - 1) / 2)];
      steps.push(await runStep(next, stepMs));
    }
    const highestSustained = highest();
    const lowestUnsustained = lowestFailed();

    let profiles: AppProfile[] | undefined;
    let databaseProfile: DatabaseProfile | undefined;
    let profileRate: number | undefined;
    if (context.profile && drained()) {
      // At the lowest failing rate the apps are saturated, so their profiles show what
      // limits the rate; a separate step, so the profiler's overhead stays out of the figures.
      profileRate = Number.isFinite(lowestUnsustained) ? lowestUnsustained : highestSustained;
      context.log(`propagation: CPU profile of accounts and orders at ${profileRate}/s…`);
      const profileMs = byMode(context, 8_000, 15_000);
      const profiled = await profileWhile(
        context.stack,
        context.probeDir,
        ['accounts', 'orders'],
        () => runStep(profileRate!, profileMs, 'profiled step, not reported'),
        { url: context.infra.databaseProfileUrl, seconds: profileMs / 1000, log: context.log },
      );
      profiles = profiled.profiles;
      databaseProfile = profiled.databaseProfile;
    }

    steps.sort((a, b) => a.ratePerSecond - b.ratePerSecond);
    return {
      settings: {
        customers: customerCount,
        stepSeconds: stepMs / 1000,
        maxInFlight: MAX_IN_FLIGHT,
        maxPollers: MAX_POLLERS,
        pollPace: POLL_PACE,
        polledPerSecond: POLLED_PER_SECOND,
        criterion:
          'committed ≥ 95% of the rate; p50(a) of the last third not both > 2× and > 250 ms above the first third; drained ≤ 5 s after the step',
      },
      steps,
      highestSustainedPerSecond: highestSustained > 0 ? highestSustained : null,
      lowestUnsustainedPerSecond: Number.isFinite(lowestUnsustained) ? lowestUnsustained : null,
      ...(profileRate !== undefined ? { profileRatePerSecond: profileRate } : {}),
      ...(profiles ? { profiles } : {}),
      ...(databaseProfile ? { databaseProfile } : {}),
    };
  } finally {
    accounts.close();
    orders.close();
  }
}
