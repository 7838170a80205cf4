/**
 * The chaos run's pure core: the seeded fault schedule, and the judgement of what the stores
 * hold against what the gateway acknowledged. No I/O here; tested in chaos.rules.spec.ts.
 */
import { FULL_HISTORY } from '../demo/demo.rules';

export const FAULT_KINDS = ['app-kill', 'app-stop', 'broker-kill', 'db-kill'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** An order's history in orders when every step was answered 2xx, in this order. */
export const LIFECYCLE = FULL_HISTORY;
export type LifecycleStatus = (typeof LIFECYCLE)[number];

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same schedule. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface ScheduleSettings {
  /** Length of the workload; faults fall between `leadMs` and `durationMs − tailMs`. */
  readonly durationMs: number;
  readonly leadMs: number;
  readonly tailMs: number;
  readonly counts: Readonly<Record<FaultKind, number>>;
}

export interface PlannedFault {
  readonly atMs: number;
  readonly kind: FaultKind;
  /**
   * Which target, as a fraction in [0, 1): the run maps it onto the candidates of its kind that
   * are up at that moment (so a schedule is the same whatever ports the run got).
   */
  readonly pick: number;
}

/**
 * The fault schedule of a seed. App kills fall anywhere in the window (they may overlap each
 * other: the run is bounded in time); the others (a stopped app, a killed broker, a killed
 * database) get a slot each, spread evenly in shuffled order, so no two of them are planned at
 * once.
 */
export function planFaults(seed: number, settings: ScheduleSettings): PlannedFault[] {
  const random = seededRandom(seed);
  const from = settings.leadMs;
  const span = Math.max(1, settings.durationMs - settings.tailMs - from);
  const faults: PlannedFault[] = [];
  const exclusive: FaultKind[] = (['app-stop', 'broker-kill', 'db-kill'] as const).flatMap((kind) =>
    Array.from({ length: settings.counts[kind] }, () => kind),
  );
  for (let i = exclusive.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [exclusive[i], exclusive[j]] = [exclusive[j], exclusive[i]];
  }
  const slot = span / Math.max(1, exclusive.length);
  exclusive.forEach((kind, i) => {
    // Early in its slot, so what it breaks has the rest of the slot to heal.
    faults.push({ atMs: Math.round(from + slot * (i + random() * 0.25)), kind, pick: random() });
  });
  for (let i = 0; i < settings.counts['app-kill']; i += 1) {
    faults.push({ atMs: Math.round(from + random() * span), kind: 'app-kill', pick: random() });
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}

/** The candidate a planned pick lands on, among those available now. */
export function pickTarget<T>(pick: number, candidates: readonly T[]): T | undefined {
  if (candidates.length === 0) return undefined;
  return candidates[Math.min(candidates.length - 1, Math.floor(pick * candidates.length))];
}

/**
 * What is wrong with an order's history in orders, given how many of its statuses the gateway
 * acknowledged (`acked`, counted along LIFECYCLE) and whether every step was acknowledged.
 * A step that failed without an answer may still have taken effect, so an abandoned order may
 * hold one status more than acknowledged, but never one twice, out of order or missing.
 */
export function judgeHistory(
  history: readonly string[],
  acked: number,
  complete: boolean,
): Array<'lost' | 'doubled' | 'wrong'> {
  const problems: Array<'lost' | 'doubled' | 'wrong'> = [];
  if (new Set(history).size !== history.length) problems.push('doubled');
  const expected = complete ? LIFECYCLE.length : acked;
  if (LIFECYCLE.slice(0, expected).some((status) => !history.includes(status))) {
    problems.push('lost');
  }
  const unique = [...new Set(history)];
  const prefix = unique.every((status, i) => LIFECYCLE[i] === status);
  if (!prefix || (complete && unique.length !== LIFECYCLE.length)) problems.push('wrong');
  return problems;
}

/** What the client knows about one customer: the values it wrote and how they were answered. */
export interface CustomerLedger {
  readonly id: string;
  /** The first name of the last write answered 2xx (the create, or a patch). */
  ackedName: string;
  /** First names of writes answered with an error or not at all: they may have applied. */
  readonly uncertainNames: string[];
  /** `acked`: a delete was answered 2xx; `uncertain`: one was sent and not answered 2xx. */
  deleted: 'no' | 'acked' | 'uncertain';
}

export interface StoredCustomer {
  readonly firstName?: string;
  readonly deleted: boolean;
  /** The owner's version, or the replica's source version. */
  readonly version: number;
}

/**
 * What is lost about one customer in its owner (accounts) and its replica (orders): an
 * acknowledged write the owner does not show, or a replica that does not match the owner.
 */
export function judgeCustomer(
  ledger: CustomerLedger,
  owner: StoredCustomer | null,
  replica: StoredCustomer | null,
): string[] {
  const problems: string[] = [];
  if (!owner) return [`${ledger.id}: acknowledged create missing in accounts`];
  const mayBeDeleted = ledger.deleted !== 'no';
  const mayBeLive = ledger.deleted !== 'acked';
  if (owner.deleted && !mayBeDeleted) problems.push(`${ledger.id}: deleted in accounts`);
  if (!owner.deleted && !mayBeLive) problems.push(`${ledger.id}: acknowledged delete lost`);
  if (!owner.deleted) {
    const allowed = [ledger.ackedName, ...ledger.uncertainNames];
    if (!allowed.includes(owner.firstName ?? '')) {
      problems.push(
        `${ledger.id}: accounts has "${owner.firstName}", acknowledged "${ledger.ackedName}"`,
      );
    }
  }
  if (owner.deleted) {
    if (replica && !replica.deleted) problems.push(`${ledger.id}: replica live after delete`);
    return problems;
  }
  if (!replica || replica.deleted) {
    problems.push(`${ledger.id}: replica missing in orders`);
  } else if (replica.firstName !== owner.firstName || replica.version !== owner.version) {
    problems.push(
      `${ledger.id}: replica "${replica.firstName}" v${replica.version}, owner "${owner.firstName}" v${owner.version}`,
    );
  }
  return problems;
}

/** The fault whose window holds `at` (the latest started, when they overlap), or `none`. */
export function faultAt(
  at: number,
  windows: ReadonlyArray<{ readonly kind: FaultKind; readonly from: number; readonly to: number }>,
): FaultKind | 'none' {
  let found: { kind: FaultKind; from: number } | undefined;
  for (const window of windows) {
    if (at >= window.from && at <= window.to && (!found || window.from > found.from)) {
      found = window;
    }
  }
  return found?.kind ?? 'none';
}

/** The client contract's breaches as verdict reasons (see ClientContract in workload.ts). */
export function contractBreaches(contract: {
  readonly hung: number;
  readonly notJson: number;
  readonly otherServerErrors: number;
}): string[] {
  return [
    contract.hung ? `${contract.hung} requests left without an answer` : '',
    contract.notJson ? `${contract.notJson} error answers without a JSON body` : '',
    contract.otherServerErrors
      ? `${contract.otherServerErrors} server errors other than 502/503/504`
      : '',
  ].filter(Boolean);
}
