/**
 * `npm test`: builds the apps (end-to-end tests run them as real processes), then runs every
 * Jest project. The integration project's global setup starts Kafka and FerretDB when they
 * are not already running, and stops what it started. Extra arguments go to Jest.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from './build';
import { ROOT, RUNTIME_DIR } from './runtime/paths';

interface JestSummary {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  success: boolean;
}

build();
const summaryFile = path.join(RUNTIME_DIR, 'jest-summary.json');
fs.mkdirSync(RUNTIME_DIR, { recursive: true });
fs.rmSync(summaryFile, { force: true });
const result = spawnSync(
  process.execPath,
  [
    require.resolve('jest/bin/jest'),
    '--maxWorkers=2',
    '--json',
    `--outputFile=${summaryFile}`,
    ...(process.env.CI ? ['--ci'] : []),
    ...process.argv.slice(2),
  ],
  { cwd: ROOT, stdio: 'inherit', env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' } },
);
if (fs.existsSync(summaryFile)) {
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as JestSummary;
  // The plain closing line CI reads, whatever the runner.
  process.stdout.write(
    `\ntests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${summary.numPendingTests + summary.numTodoTests} skipped\n`,
  );
}
process.exit(result.status ?? 1);
