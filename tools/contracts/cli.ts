/**
 * Regenerates the public contracts (docs/openapi/<app>.json and docs/asyncapi.yaml), or with
 * --check compares them with the committed files and shows the difference.
 *
 *   npm run contracts                 write the documents
 *   npm run contracts -- --check      exit 1, with a diff, if a committed document differs
 *   npm run contracts -- --help       every option
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ASYNCAPI_FILE, renderAsyncApi } from '../asyncapi';
import { build } from '../build';
import { type CommandDef, type OptionDef, type ParsedCommand, runCommand } from '../cli/options';
import { OPENAPI_DIR, openApiFile, renderOpenApi, ROOT } from './contracts';

const OPTIONS = {
  check: {
    type: 'boolean',
    description: 'write nothing: exit 1 with a diff if a committed document differs',
  },
  built: {
    type: 'boolean',
    description: 'use dist/ as it is instead of building the apps first (npm run build)',
  },
} as const satisfies Record<string, OptionDef>;

export const CONTRACTS_COMMAND: CommandDef<typeof OPTIONS> = {
  usage: ['npm run contracts -- [--check] [--built]'],
  summary: [
    'Regenerates every OpenAPI document the apps serve at /v3/api-docs (built from their modules',
    'by the function that serves it, without database or broker) into docs/openapi/<app>.json,',
    'keys sorted, and the AsyncAPI document of the topics into docs/asyncapi.yaml.',
  ].join('\n'),
  options: OPTIONS,
  footer:
    'Exit status: 0 written or up to date; 1 a committed document differs (--check); 2 a wrong command line.',
};

/** `git diff --no-index` of a committed document and the generated text, for a reader. */
function diff(file: string, generated: string): string {
  const committed = path.relative(ROOT, file);
  if (!fs.existsSync(file)) return `${committed}: not committed yet\n`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contracts-'));
  try {
    const fresh = path.join(dir, path.basename(file));
    fs.writeFileSync(fresh, generated);
    const result = spawnSync(
      'git',
      ['diff', '--no-index', '--no-color', '--no-prefix', '--', committed, fresh],
      { cwd: ROOT, encoding: 'utf8' },
    );
    // git names the paths without their leading slash.
    return (result.stdout || result.stderr).replaceAll(
      path.relative('/', fresh),
      `${committed} (generated)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main({ values }: ParsedCommand<typeof OPTIONS>): Promise<number> {
  if (!values.built) build();
  const expected = new Map<string, string>([[ASYNCAPI_FILE, renderAsyncApi()]]);
  for (const [app, text] of await renderOpenApi(path.join(ROOT, 'dist'))) {
    expected.set(openApiFile(app), text);
  }
  // A document of an app that no longer serves one must go too.
  const committed = fs.existsSync(OPENAPI_DIR)
    ? fs.readdirSync(OPENAPI_DIR).map((name) => path.join(OPENAPI_DIR, name))
    : [];
  const stale = committed.filter((file) => !expected.has(file));
  const changed = [...expected].filter(
    ([file, text]) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text,
  );
  const relative = (file: string) => path.relative(ROOT, file);
  if (values.check) {
    for (const [file, text] of changed) process.stdout.write(diff(file, text));
    for (const file of stale) console.log(`${relative(file)}: no app serves this document`);
    const wrong = changed.length + stale.length;
    console.log(
      wrong === 0
        ? `${expected.size} documents up to date`
        : `${wrong} committed document(s) differ: run npm run contracts and review the diff`,
    );
    return wrong === 0 ? 0 : 1;
  }
  fs.mkdirSync(OPENAPI_DIR, { recursive: true });
  for (const [file, text] of changed) {
    fs.writeFileSync(file, text);
    console.log(`wrote ${relative(file)}`);
  }
  for (const file of stale) {
    fs.rmSync(file);
    console.log(`removed ${relative(file)}`);
  }
  console.log(`${expected.size - changed.length} of ${expected.size} documents unchanged`);
  return 0;
}

if (require.main === module) {
  void runCommand('contracts', CONTRACTS_COMMAND, main);
}
