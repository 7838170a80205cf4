import type { TestStack } from '../../tools/runtime/test-stack';
import type { NamedPid } from './cpu';
import type { BenchInfra } from './infra';

export type Mode = 'quick' | 'full';

/** What every suite gets from the runner. */
export interface BenchContext {
  readonly mode: Mode;
  /** Short unique id of this run: database names and topic names carry it. */
  readonly runId: string;
  readonly infra: BenchInfra;
  /** Where the app probes write their samples and CPU profiles (git-ignored). */
  readonly probeDir: string;
  log(line: string): void;
  /** The processes of the system under test (servers, apps) and this one, for CPU accounting. */
  processes(): NamedPid[];
}

/** Suites that run against the five apps. */
export interface StackContext extends BenchContext {
  readonly stack: TestStack;
  /** Whether to run the CPU-profile passes. */
  readonly profile: boolean;
}

/** The quick value in quick mode, the full value in full mode. */
export function byMode<T>(context: Pick<BenchContext, 'mode'>, quick: T, full: T): T {
  return context.mode === 'quick' ? quick : full;
}
