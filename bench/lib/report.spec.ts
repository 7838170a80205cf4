import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../tools/runtime/paths';
import type { BenchResults } from '../run';
import {
  BACKENDS_END,
  BACKENDS_START,
  BENCH_README,
  END,
  markerAt,
  rebaseLinks,
  replaceReadmeSection,
  START,
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
