/**
 * `npm test`: builds the apps (end-to-end tests run them as real processes), then runs every
 * Jest project. The integration project's global setup starts Kafka and FerretDB when they
 * are not already running, and stops what it started. Extra arguments go to Jest.
 */
import { build } from './build';
import { runJest } from './jest-run';

build();
const jest = runJest('tests', ['--maxWorkers=2'], { KAFKAJS_NO_PARTITIONER_WARNING: '1' });
process.stdout.write(`\n${jest.closingLine}\n`);
process.exit(jest.status);
