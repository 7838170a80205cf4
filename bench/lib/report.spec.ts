import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../tools/runtime/paths';
import type { BenchResults } from '../run';
import type { KeyFigures } from './figures';
import {
  BACKENDS_END,
  BACKENDS_START,
  BENCH_README,
  END,
  markerAt,
  rebaseLinks,
  replaceReadmeSection,
  START,
  targetsTable,
  updateReadme,
  updateReadmeBackends,
} from './report';

// Prettier 3 loads its parsers by dynamic import, which Jest's CommonJS runtime refuses: here the
// report formats through the prettier CLI instead, the same formatter with the repository's config.
jest.mock('prettier', () => {
  const { execFileSync } =
    jest.requireActual<typeof import('node:child_process')>('node:child_process');
  const cli = require.resolve('prettier/bin/prettier.cjs');
  return {
    resolveConfig: () => Promise.resolve({}),
    format: (text: string, options: { parser: 'markdown' | 'json' }) =>
      Promise.resolve(
        execFileSync(
          process.execPath,
          [cli, '--stdin-filepath', `section.${options.parser === 'json' ? 'json' : 'md'}`],
          {
            input: text,
            encoding: 'utf8',
            cwd: __dirname,
          },
        ),
      ),
  };
});

const results = (name: string): BenchResults =>
  JSON.parse(fs.readFileSync(path.join(ROOT, 'bench', 'results', name), 'utf8')) as BenchResults;

/**
 * The results file a block of the committed bench/README.md names (`from` and `to` are the
 * block's markers): regenerated from it, the block must come out as committed.
 */
function namedIn(from: string, to: string): string {
  const text = fs.readFileSync(BENCH_README, 'utf8');
  const block = text.slice(text.indexOf(`\n${from}\n`), text.indexOf(`\n${to}\n`));
  const name = /\[`bench\/results\/([^`]+\.json)`\]/.exec(block)?.[1];
  if (!name) throw new Error(`no results file named between ${from} and ${to}`);
  return name;
}

describe('where the bench writes', () => {
  let written: jest.SpyInstance;
  beforeEach(() => {
    written = jest.spyOn(fs, 'writeFileSync').mockImplementation(() => undefined);
  });
  afterEach(() => written.mockRestore());

  const lastRun = namedIn(START, END);
  const backends = namedIn(BACKENDS_START, BACKENDS_END);

  it('writes the last complete run into bench/README.md, which holds what it writes', async () => {
    await updateReadme(results(lastRun), `bench/results/${lastRun}`);

    expect(BENCH_README).toBe(path.join(ROOT, 'bench', 'README.md'));
    expect(written).toHaveBeenCalledTimes(1);
    const [file, text] = written.mock.calls[0] as [string, string];
    expect(file).toBe(BENCH_README);
    expect(text).toBe(fs.readFileSync(BENCH_README, 'utf8'));
    expect(text).toContain(`[\`bench/results/${lastRun}\`](results/${lastRun})`);
  });

  it('writes the backends side by side into bench/README.md, which holds what it writes', async () => {
    await updateReadmeBackends(results(backends), `bench/results/${backends}`);

    const [file, text] = written.mock.calls[0] as [string, string];
    expect(file).toBe(BENCH_README);
    expect(text).toBe(fs.readFileSync(BENCH_README, 'utf8'));
    expect(text).toContain('(../docs/adr/0003-ferretdb-id-lookup-patches.md)');
  });

  it('leaves the root README alone', async () => {
    await updateReadme(results(lastRun), `bench/results/${lastRun}`);
    await updateReadmeBackends(results(backends), `bench/results/${backends}`);

    const files = written.mock.calls.map(([file]) => String(file));
    expect(files).not.toContain(path.join(ROOT, 'README.md'));
  });
});

describe('replaceReadmeSection', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replaces the block between the marker lines, not a marker named in the prose', async () => {
    const file = path.join(dir, 'README.md');
    fs.writeFileSync(
      file,
      `# Tool\n\nThe run rewrites \`${START}\` … \`${END}\`.\n\n${START}\n\nold\n\n${END}\n\n## After\n`,
    );

    await replaceReadmeSection(`${START}\n\nnew\n\n${END}`, START, END, file);

    expect(fs.readFileSync(file, 'utf8')).toBe(
      `# Tool\n\nThe run rewrites \`${START}\` … \`${END}\`.\n\n${START}\n\nnew\n\n${END}\n\n## After\n`,
    );
  });

  it('appends the block when the file has no marker lines', async () => {
    const file = path.join(dir, 'README.md');
    fs.writeFileSync(file, '# Tool\n');

    await replaceReadmeSection(`${START}\n\nnew\n\n${END}`, START, END, file);

    expect(fs.readFileSync(file, 'utf8')).toBe(`# Tool\n\n${START}\n\nnew\n\n${END}\n`);
  });
});

describe('rebaseLinks', () => {
  it.each([
    ['bench/README.md', '[r](bench/results/a.json)', '[r](results/a.json)'],
    ['tools/chaos/README.md', '[r](bench/results/a.json)', '[r](../../bench/results/a.json)'],
    ['README.md', '[r](bench/results/a.json)', '[r](bench/results/a.json)'],
    ['bench/README.md', '[adr](docs/adr/0003.md#addendum)', '[adr](../docs/adr/0003.md#addendum)'],
    ['bench/README.md', '[here](#last-complete-run)', '[here](#last-complete-run)'],
    ['bench/README.md', '[site](https://example.org/x)', '[site](https://example.org/x)'],
  ])('in %s, %s becomes %s', (file, markdown, expected) => {
    expect(rebaseLinks(markdown, path.join(ROOT, file))).toBe(expected);
  });
});

describe('markerAt', () => {
  it('finds a marker on a line of its own only', () => {
    const text = `prose \`${START}\`\n${START}\n`;
    expect(markerAt(text, START)).toBe(text.indexOf(`\n${START}\n`) + 1);
    expect(markerAt('prose only', START)).toBe(-1);
  });
});

const figures = (overrides: Partial<KeyFigures> = {}): KeyFigures => ({
  floorUpdatesPerSecond: 900,
  propagationSustainedPerSecond: 450,
  propagationSustainedVsFloor: 0.5,
  propagationP99MsAt200: 100,
  propagationSustainedAt200: true,
  propagationCpuRatePerSecond: 450,
  propagationCpuMsPerChange: 5,
  lifecycleOrdersPerSecond: 40,
  lifecycleCapOrdersPerSecond: 50,
  lifecycleVsCap: 0.8,
  lifecycleLost: 0,
  lifecycleDoubled: 0,
  lifecycleDeadLetters: 0,
  historyRatio: 0.8,
  historyEarlierOrders: [1, 200],
  gateway: { '/actuator/info': { requestsPerSecond: 1500, vsDirect: 0.5, vsNginx: 0.7 } },
  ...overrides,
});

describe('targetsTable', () => {
  /** The table's rows as [target, this run, previous run, met] cells. */
  const rows = (now: KeyFigures, previous?: KeyFigures) =>
    targetsTable(now, previous && { file: 'bench/results/2026-12-06.json', figures: previous })
      .filter(
        (line) =>
          line.startsWith('| ') && !line.startsWith('| target') && !line.startsWith('| ---'),
      )
      .map((line) => line.slice(2, -2).split(' | '));
  const row = (cells: string[][], target: string) => {
    const found = cells.find(([label]) => label.startsWith(target));
    if (!found) throw new Error(`no row for ${target}`);
    return found;
  };

  it('lists the targets of issue 22 and the gateway ratios, each met at its bound', () => {
    const cells = rows(figures());

    expect(cells.map(([target]) => target)).toEqual([
      'propagation: highest sustained rate ≥ 50 % of the database floor (FerretDB updates/s, 1,000 documents, 8 callers; ≥ 400/s wherever the floor is ≥ 800/s)',
      'propagation: p99 occurred → applied ≤ 100 ms at 200 changes/s',
      'propagation: CPU per change, all processes, ≤ 5 ms at the highest sustained rate (per process: the propagation table)',
      'lifecycle: ≥ 40 orders/s',
      'lifecycle: 0 lost, 0 doubled, 0 dead letters',
      'lifecycle: ≥ 50 % of the cap the database floor sets (its updates/s ÷ the writes an order costs)',
      "history independence: the lifecycle's orders/s with customers holding 1 and 200 earlier orders within 20 % (slower ÷ faster ≥ 80 %)",
      'gateway ≥ 50 % of direct req/s, `/actuator/info`',
      "gateway ≥ 70 % of nginx's req/s, `/actuator/info`",
    ]);
    expect(cells.map((cell) => cell[3])).toEqual(Array(9).fill('**met**'));
    expect(row(cells, 'propagation: highest')[1]).toBe('450 changes/s, 50 % of 900 updates/s');
    expect(row(cells, 'propagation: CPU')[1]).toBe('5 ms at 450/s');
    expect(row(cells, 'lifecycle: ≥ 50 %')[1]).toBe('80 % of 50 orders/s');
    expect(row(cells, 'history')[1]).toBe('80 % (1 and 200 earlier orders)');
  });

  it.each<[string, Partial<KeyFigures>]>([
    ['propagation: highest', { propagationSustainedVsFloor: 0.49 }],
    ['propagation: p99', { propagationP99MsAt200: 101 }],
    // A p99 within the bound at a rate the system did not keep up with does not count.
    ['propagation: p99', { propagationSustainedAt200: false }],
    ['propagation: CPU', { propagationCpuMsPerChange: 5.01 }],
    ['lifecycle: ≥ 40', { lifecycleOrdersPerSecond: 39.9 }],
    ['lifecycle: 0 lost', { lifecycleDeadLetters: 1 }],
    ['lifecycle: ≥ 50 %', { lifecycleVsCap: 0.49 }],
    ['history', { historyRatio: 0.79 }],
  ])('%s is not yet met with %j', (target, overrides) => {
    expect(row(rows(figures(overrides)), target)[3]).toBe('**not yet**');
  });

  it('shows the previous run beside this one, and – for what either did not measure', () => {
    const cells = rows(
      figures({ historyRatio: null, historyEarlierOrders: null }),
      figures({
        lifecycleOrdersPerSecond: 7.1,
        propagationCpuMsPerChange: null,
        propagationCpuRatePerSecond: null,
        gateway: {},
      }),
    );

    expect(row(cells, 'lifecycle: ≥ 40').slice(1)).toEqual([
      '40 orders/s',
      '7.1 orders/s',
      '**met**',
    ]);
    expect(row(cells, 'propagation: CPU')[2]).toBe('–');
    expect(row(cells, 'gateway ≥ 50 %')[2]).toBe('–');
    expect(row(cells, 'history').slice(1)).toEqual([
      '–',
      '80 % (1 and 200 earlier orders)',
      'not measured',
    ]);
    expect(targetsTable(figures(), undefined)[0]).toContain('(none found)');
  });
});
