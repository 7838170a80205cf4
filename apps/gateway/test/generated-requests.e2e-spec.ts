/**
 * Generated requests (Schemathesis, pinned in infra/schemathesis/) over every operation of the
 * three services, through the gateway, from each service's own /v3/api-docs: no 5xx, no network
 * error, no app crashed and restarted, and every status, content type and body as the document
 * says. Deterministic generation
 * (the same cases on every run, in place of a seed) and a bounded number of examples per
 * operation keep it reproducible and within about a minute.
 * The sample endpoints are left out: they replace or add data wholesale (tests of their own
 * cover them).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RUNTIME_DIR } from '../../../tools/runtime/paths';
import { ensureSchemathesis } from '../../../tools/runtime/schemathesis';
import { startTestStack, type TestStack } from '../../../tools/runtime/test-stack';

/**
 * The CI budget. A long run uses the same test with GENERATED_EXAMPLES set (e.g. 400) and
 * GENERATED_TIMEOUT_S to match; each service's summary line is printed either way.
 */
const EXAMPLES_PER_OPERATION = process.env.GENERATED_EXAMPLES ?? '10';
/** Per service: a run that takes longer than this fails the test instead of hanging it. */
const RUN_TIMEOUT_MS = Number(process.env.GENERATED_TIMEOUT_S ?? 55) * 1000;

const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
].join(',');

function runSchemathesis(
  st: string,
  args: readonly string[],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Schemathesis keeps a working folder where it runs: under .runtime/, not in the checkout.
    const cwd = path.join(RUNTIME_DIR, 'schemathesis');
    fs.mkdirSync(cwd, { recursive: true });
    const child = spawn(st, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('generated requests through the gateway (Schemathesis)', () => {
  let stack: TestStack;
  let st: string;

  beforeAll(async () => {
    st = ensureSchemathesis((line) => process.stderr.write(`${line}\n`));
    // The gateway's per-client rate limit (429, documented) would stop the generator from
    // reaching the services, which are what this test is about.
    stack = await startTestStack({
      dbPrefix: 'gateway_generated',
      env: { GATEWAY_RATE_LIMIT: '0' },
    });
  }, 600_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it.each(['accounts', 'orders', 'fulfillment'])(
    '%s: every generated request gets a documented answer, never a 5xx',
    async (service) => {
      const base = `${stack.gatewayUrl}/${service}`;
      const { code, output } = await runSchemathesis(st, [
        'run',
        `${base}/v3/api-docs`,
        '--url',
        base,
        '--checks',
        CHECKS,
        '--max-examples',
        EXAMPLES_PER_OPERATION,
        '--generation-deterministic',
        '--exclude-path-regex',
        '/sample(/|$)',
        // One worker: Python 3.11's ast module is not thread-safe, and Hypothesis parses with it.
        '--workers',
        '1',
        '--request-timeout',
        '10',
        '--no-color',
      ]);
      const summary = output
        .split('\n')
        .filter((line) => /test cases|generated|seconds/i.test(line));
      process.stderr.write(`[schemathesis ${service}] ${summary.join(' | ')}\n`);
      // On failure the report (each failing request, with a curl line to reproduce it).
      expect(code === 0 ? 'no issues' : `exit ${code}\n${output}`).toBe('no issues');
      // No app crashed on the way (the supervisor would have restarted it unseen).
      const restarts = stack.apps.instances.map((instance) => [
        instance.name,
        instance.restartCount,
      ]);
      expect(restarts).toEqual(stack.apps.instances.map((instance) => [instance.name, 0]));
    },
    RUN_TIMEOUT_MS + 15_000,
  );
});
