/**
 * Every command a user runs answers `--help` with its options and refuses an unknown option
 * with one line and exit status 2, run as the user runs it (tsx on the entry point).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

const COMMANDS: Array<[string, string[], RegExp]> = [
  ['npm start', ['tools/runtime/cli.ts', 'up'], /--secure/],
  ['npm run runtime', ['tools/runtime/cli.ts'], /stop .*PID file/],
  ['npm run bench', ['bench/run.ts'], /--only LIST/],
  ['npm run dlt', ['tools/dlt/cli.ts'], /--kafka-password-file FILE/],
  ['npm run audit', ['tools/audit/audit.ts'], /--repair/],
  ['npm run refresh', ['tools/demo/refresh.ts'], /--step-timeout SEC/],
  ['npm run chaos', ['tools/chaos/chaos.ts'], /--kafka-brokers N/],
  ['npm run test:stack', ['tools/stack/run.ts'], /Swarm/],
  ['npm run contracts', ['tools/contracts/cli.ts'], /--check/],
];

function run(args: string[]) {
  return spawnSync(TSX, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe.each(COMMANDS)('%s', (_, entry, option) => {
  it('answers --help with its options and exit status 0', () => {
    const result = run([...entry, '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: /);
    expect(result.stdout).toMatch(option);
    expect(result.stdout).toMatch(/-h, --help/);
  });

  it('refuses an unknown option with one line and exit status 2', () => {
    const result = run([...entry, '--no-such-option']);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/Unknown option '--no-such-option' \(see --help\)$/),
    ]);
    expect(result.stdout).toBe('');
  });
});
