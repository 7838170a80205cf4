/**
 * Summarizes a V8 .cpuprofile (what `--cpu-prof` and the inspector's Profiler write): self time
 * by function and by package, so the top of the list names where a process spends its CPU.
 * `npx tsx bench/lib/cpuprofile.ts <file.cpuprofile> [top]` prints the same summary.
 */
import fs from 'node:fs';
import { round } from './stats';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTimeEntry {
  /** A function name, or a package name. */
  readonly name: string;
  /** Where the function is (`mongoose/lib/document.js:1060`); none for packages. */
  readonly location?: string;
  readonly selfMs: number;
  /** Share of the busy (non-idle) time, in percent. */
  readonly percent: number;
}

export interface ProfileSummary {
  readonly durationMs: number;
  /** Time the thread was not idle, in ms and as a share of the wall time. */
  readonly busyMs: number;
  readonly busyPercent: number;
  readonly topFunctions: SelfTimeEntry[];
  readonly byPackage: SelfTimeEntry[];
}

const IDLE = '(idle)';

/** Where a frame's code comes from: a package, Node's internals, our code, or V8 itself. */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (internals)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (modules) return modules[1];
  const ours = /\/dist\/(apps|libs)\/([^/]+)\//.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url.replace(/^file:\/\//, '');
}

/** Function and location joined by a tab, split again when the summary is built. */
function frameKey(frame: CallFrame): string {
  const fn = frame.functionName || '(anonymous)';
  if (!frame.url) return fn;
  const file = frame.url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/dist\//, '');
  return `${fn}\t${file}:${frame.lineNumber + 1}`;
}

export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  // A sample's duration is the gap to the next sample (DevTools' convention).
  for (let i = 0; i < profile.samples.length; i += 1) {
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, delta));
  }
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === IDLE) continue;
    busyUs += us;
    const name = frameKey(node.callFrame);
    functions.set(name, (functions.get(name) ?? 0) + us);
    const pkg = packageOf(node.callFrame);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const entries = (map: Map<string, number>, limit: number): SelfTimeEntry[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([key, us]) => ({
        name: key.split('\t')[0],
        ...(key.includes('\t') ? { location: key.split('\t')[1] } : {}),
        selfMs: round(us / 1000, 1),
        percent: round((100 * us) / Math.max(1, busyUs), 1),
      }));
  const durationUs = profile.endTime - profile.startTime;
  return {
    durationMs: round(durationUs / 1000, 0),
    busyMs: round(busyUs / 1000, 0),
    busyPercent: round((100 * busyUs) / Math.max(1, durationUs), 1),
    topFunctions: entries(functions, top),
    byPackage: entries(packages, top),
  };
}

export function summarizeProfileFile(file: string, top = 15): ProfileSummary {
  return summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, top);
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: tsx bench/lib/cpuprofile.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const summary = summarizeProfileFile(file, Number(top ?? 20));
  process.stdout.write(
    `${summary.durationMs} ms wall, ${summary.busyMs} ms busy (${summary.busyPercent}%)\n\nself time by package:\n`,
  );
  for (const e of summary.byPackage) process.stdout.write(`  ${e.percent}%\t${e.name}\n`);
  process.stdout.write('\nself time by function:\n');
  for (const e of summary.topFunctions) {
    process.stdout.write(`  ${e.percent}%\t${e.name} ${e.location ?? ''}\n`);
  }
}
