/**
 * One way to read a command line for every tool a user runs: options declared once, with their
 * descriptions, environment fallbacks and defaults, from which both the parser (node:util's
 * parseArgs, strict) and the `--help` text are made. A wrong command line is one line on stderr
 * and exit status 2; `--help` prints the text and exits 0.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface OptionDef {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's placeholder in the help text, e.g. `FILE`. */
  readonly value?: string;
  readonly description: string;
  /** Environment variables read when the option is absent, named in the help text. */
  readonly env?: readonly string[];
  /** The default, as the help text shows it. */
  readonly default?: string;
}

export interface CommandDef<O extends Record<string, OptionDef>> {
  /** e.g. `npm run dlt -- list [options]`; one line each. */
  readonly usage: readonly string[];
  readonly summary: string;
  readonly options: O;
  /** What follows the options in the help text (exit statuses, examples). */
  readonly footer?: string;
  /** How many positional arguments are accepted (default 0). */
  readonly maxPositionals?: number;
}

type ValueOf<D extends OptionDef> = D['type'] extends 'boolean'
  ? boolean
  : D['multiple'] extends true
    ? string[]
    : string | undefined;

export type OptionValues<O extends Record<string, OptionDef>> = {
  -readonly [K in keyof O]: ValueOf<O[K]>;
};

export interface ParsedCommand<O extends Record<string, OptionDef>> {
  readonly values: OptionValues<O>;
  readonly positionals: string[];
  readonly help: boolean;
}

/** A command line the tool cannot run: exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const HELP: OptionDef = { type: 'boolean', short: 'h', description: 'this text' };

export function helpText<O extends Record<string, OptionDef>>(command: CommandDef<O>): string {
  const rows = Object.entries({ ...command.options, help: HELP }).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${option.value ? ` ${option.value}` : ''}`;
    const extras = [
      option.env?.length ? `[${option.env.join(', ')}]` : '',
      option.default !== undefined ? `(default: ${option.default})` : '',
      option.multiple ? '(repeatable)' : '',
    ].filter(Boolean);
    return [flag, [option.description, ...extras].join(' ')] as const;
  });
  const width = Math.min(28, Math.max(...rows.map(([flag]) => flag.length)) + 2);
  const lines = rows.map(([flag, text]) =>
    flag.length + 2 > width
      ? `  ${flag}\n  ${' '.repeat(width)}${text}`
      : `  ${flag.padEnd(width)}${text}`,
  );
  return [
    `Usage: ${command.usage.join('\n       ')}`,
    '',
    command.summary,
    '',
    'Options (environment variables in brackets):',
    ...lines,
    ...(command.footer ? ['', command.footer] : []),
  ].join('\n');
}

/** Parses `argv`; throws UsageError for an unknown option, a missing value or extra arguments. */
export function parseCommand<O extends Record<string, OptionDef>>(
  command: CommandDef<O>,
  argv: readonly string[],
): ParsedCommand<O> {
  const options = Object.fromEntries(
    Object.entries({ ...command.options, help: HELP }).map(([name, option]) => [
      name,
      {
        type: option.type,
        ...(option.short ? { short: option.short } : {}),
        ...(option.multiple ? { multiple: true } : {}),
      },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    // node's messages name the option; drop its hint about `--` (we take no free arguments).
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
  const values = parsed.values as Record<string, unknown>;
  if (!values.help && parsed.positionals.length > (command.maxPositionals ?? 0)) {
    throw new UsageError(
      `unexpected argument "${parsed.positionals[command.maxPositionals ?? 0]}"`,
    );
  }
  for (const [name, option] of Object.entries(command.options)) {
    if (option.type === 'boolean') values[name] ??= false;
    else if (option.multiple) values[name] ??= [];
  }
  return {
    values: values as OptionValues<O>,
    positionals: parsed.positionals,
    help: values.help === true,
  };
}

/**
 * Runs a tool's main with its parsed command line and exits with its status: `--help` prints
 * the text (0); a UsageError, from parsing or thrown by `main`, is one line on stderr (2); any
 * other error is one line too (1), never a stack trace.
 */
export async function runCommand<O extends Record<string, OptionDef>>(
  name: string,
  command: CommandDef<O>,
  main: (parsed: ParsedCommand<O>) => Promise<number>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<never> {
  let status: number;
  try {
    const parsed = parseCommand(command, argv);
    if (parsed.help) {
      process.stdout.write(`${helpText(command)}\n`);
      status = 0;
    } else {
      status = await main(parsed);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${name}: ${error.message} (see --help)\n`);
      status = 2;
    } else {
      process.stderr.write(`${name}: ${(error as Error).message ?? String(error)}\n`);
      status = 1;
    }
  }
  process.exit(status);
}

/** The value of an environment variable, or of the file its `_FILE` twin names. */
export function fromEnvOrFile(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const value = env[name]?.trim();
  if (value) return value;
  const file = env[`${name}_FILE`]?.trim();
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UsageError(
      `${name}_FILE=${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    );
  }
}

/** `--flag K=NAME` entries (repeatable) as a record; K must be one of `allowed`. */
export function keyValues<K extends string>(
  entries: readonly string[],
  allowed: readonly K[],
  flag: string,
): Partial<Record<K, string>> {
  const result: Partial<Record<K, string>> = {};
  for (const entry of entries) {
    const [key, name] = entry.split('=');
    if (!(allowed as readonly string[]).includes(key ?? '') || !name) {
      throw new UsageError(`${flag} takes ${allowed.join('|')}=name (got "${entry}")`);
    }
    result[key as K] = name;
  }
  return result;
}
