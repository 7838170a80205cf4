/**
 * tools/chaos/README.md's chaos section: the last complete run's verdict, faults and figures,
 * between its markers (bench/lib/report.ts replaces them).
 */
import path from 'node:path';
import { replaceReadmeSection } from '../../bench/lib/report';
import { ROOT } from '../runtime/paths';
import type { ChaosResults } from './chaos';
import type { MachineReport } from './machine-watch';

export const START = '<!-- chaos:start -->';
export const END = '<!-- chaos:end -->';
/** Where a full run writes its section; the root README only links to it. */
export const CHAOS_README = path.join(ROOT, 'tools', 'chaos', 'README.md');

const ms = (value: number | null | undefined): string =>
  value === null || value === undefined ? '–' : `${(value / 1000).toFixed(1)} s`;

/** `288 (502: 18, 503: 178, no answer: 92)`. */
function errors(counts: ChaosResults['clientErrors'][string] | undefined): string {
  if (!counts) return '0';
  const parts = Object.entries(counts)
    .filter(([key]) => key !== 'total')
    .map(([key, n]) => `${key}: ${n}`);
  return `${counts.total} (${parts.join(', ')})`;
}

function machineLine(machine: MachineReport): string {
  const top = Object.entries(machine.cpuSeconds)
    .slice(0, 4)
    .map(([label, seconds]) => `${label} ${Math.round(seconds)} s`)
    .join(', ');
  return `- Machine: load average (1 min) ${machine.load1.p50} median, ${machine.load1.max} at most, on ${machine.cores} cores; most CPU: ${top}.`;
}

export function renderSection(results: ChaosResults, resultsFile: string): string {
  const v = results.verdict;
  const lines = [
    START,
    '',
    '### Last full run',
    '',
    `\`npm run chaos -- --${results.mode}${results.settings.kafkaNodes > 1 ? ` --kafka-brokers ${results.settings.kafkaNodes}` : ''}\` on ${results.date.slice(0, 10)}, seed ${results.seed}: ` +
      `${results.settings.durationS} s of workload at ${results.settings.rate} operations/s through the gateway, ` +
      `${results.settings.kafkaNodes} Kafka broker(s), two instances each of orders and fulfillment ` +
      `([${resultsFile}](${resultsFile})). Verdict: **${v.ok ? 'clean' : 'FAILED'}**${v.ok ? '' : ` (${v.reasons.join('; ')})`}.`,
    '',
    '| Fault | Count | Heal p50 | Heal max | Registry marked an instance | 5xx / no answer seen by clients |',
    '| --- | --- | --- | --- | --- | --- |',
    ...Object.entries(results.faults.byKind).map(
      ([kind, s]) =>
        `| ${kind} | ${s.count}${s.failed ? ` (${s.failed} failed)` : ''}${s.skipped ? ` (${s.skipped} skipped)` : ''} | ${ms(s.healP50Ms)} | ${ms(s.healMaxMs)} | ${s.registryMarked} | ${errors(results.clientErrors[kind])} |`,
    ),
    `| (no fault active) | – | – | – | – | ${errors(results.clientErrors.none)} |`,
    '',
    `- Writes: ${results.workload.ok} of ${results.workload.calls} calls answered 2xx (${results.workload.retries} sent again after a failure or while fulfillment had not received the order yet); ${results.stores.orders.checked} orders (${results.stores.orders.complete} walked to RECEIVED, ${results.stores.orders.abandoned} abandoned after a step kept failing), ${results.stores.customers.checked} customers.`,
    `- Clients: ${results.clientContract.hung} requests left hanging, ${results.clientContract.notJson} error answers not JSON, ${results.clientContract.otherServerErrors} server errors other than 502/503/504 (each would fail the verdict); ${results.clientContract.refused} connections refused or reset while the gateway itself was down.`,
    `- Lost ${v.lost}, doubled ${v.doubled}; fulfillment copies lost ${results.stores.fulfillments.lost}, doubled ${results.stores.fulfillments.doubled}; audit drift ${v.drift}.`,
    `- Poison: ${Object.values(results.poison.sent).reduce((a, b) => a + b, 0)} records sent (${results.poison.perTopic} per topic), ${results.poison.deadLettered} dead-lettered with their \`dlt_*\` headers, ${results.poison.missing} missing; ${results.unexpectedDeadLetters} other dead letters.`,
    `- Converged ${ms(results.convergence.afterLastFaultMs)} after the last fault healed (${ms(results.convergence.afterWorkloadMs)} after the workload stopped); consumer lag at the end: ${results.lagAtEnd} records.`,
    ...(results.registry
      ? [
          results.registry.upAfterConvergedMs === null
            ? `- Registry: ${results.registry.notUp.join(', ')} not listed UP again.`
            : `- Registry: every instance listed UP ${ms(results.registry.upAfterConvergedMs)} after convergence.`,
        ]
      : []),
    ...(results.machine ? [machineLine(results.machine)] : []),
    '',
    END,
  ];
  return lines.join('\n');
}

export async function updateReadme(results: ChaosResults, resultsFile: string): Promise<void> {
  await replaceReadmeSection(renderSection(results, resultsFile), START, END, CHAOS_README);
}
