/**
 * One Jest run as the repository's commands make it (`npm test`, `npm run test:stack`): the
 * given arguments plus the caller's, a JSON summary file, and the plain closing line
 * `<label>: N passed, N failed, N skipped` that CI reads whatever the runner (the caller prints
 * it last).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, RUNTIME_DIR } from './runtime/paths';

export interface JestRun {
  /** Jest's own exit status. */
  status: number;
  passed: number;
  failed: number;
  closingLine: string;
}

interface JestSummary {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

export function runJest(label: string, args: string[], env: NodeJS.ProcessEnv = {}): JestRun {
  const summaryFile = path.join(RUNTIME_DIR, `jest-${label}-summary.json`);
  fs.mkdirSync(RUNTIME_DIR, { recursive: true });
  fs.rmSync(summaryFile, { force: true });
  const result = spawnSync(
    process.execPath,
    [
      require.resolve('jest/bin/jest'),
      ...args,
      '--json',
      `--outputFile=${summaryFile}`,
      ...(process.env.CI ? ['--ci'] : []),
      ...process.argv.slice(2),
    ],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } },
  );
  const status = result.status ?? 1;
  if (!fs.existsSync(summaryFile)) {
    return { status, passed: 0, failed: 0, closingLine: `${label}: jest wrote no summary` };
  }
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as JestSummary;
  const skipped = summary.numPendingTests + summary.numTodoTests;
  return {
    status,
    passed: summary.numPassedTests,
    failed: summary.numFailedTests,
    closingLine: `${label}: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${skipped} skipped`,
  };
}
