/**
 * `npm run dlt -- list` and `npm run dlt -- replay`: the dead-letter topics, operable.
 * See dead-letters.ts for what a replay publishes and how a second one is refused.
 */
import { hostOfAddress, isLoopbackHost } from '../demo/demo.rules';
import { KAFKA_OPTIONS, kafkaTarget } from '../cli/kafka-options';
import {
  type CommandDef,
  type OptionDef,
  type ParsedCommand,
  runCommand,
  UsageError,
} from '../cli/options';
import { type DeadLetter, DeadLetterStore, deadLetterTopics } from './dead-letters';

const OPTIONS = {
  topic: {
    type: 'string',
    value: 'T',
    description:
      'a source topic or its dead-letter topic, e.g. accounts.customer.change (list: all of them)',
  },
  id: {
    type: 'string',
    multiple: true,
    value: 'ID',
    description: 'a dead letter to replay, as `list` shows it',
  },
  all: { type: 'boolean', description: 'replay every dead letter of --topic' },
  force: {
    type: 'boolean',
    description: 'replay what was replayed before, or on brokers not on this machine',
  },
  json: {
    type: 'boolean',
    description: 'print the records (list) or the outcome (replay) as JSON',
  },
  ...KAFKA_OPTIONS,
} as const satisfies Record<string, OptionDef>;

export const DLT_COMMAND: CommandDef<typeof OPTIONS> = {
  usage: [
    'npm run dlt -- list [--topic T] [--json] [options]',
    'npm run dlt -- replay --topic T (--id ID ... | --all) [--force] [options]',
  ],
  summary: [
    'list    every dead-lettered record: id, key, reason, error, first failure time, attempts,',
    '        consumer group, and whether it was replayed.',
    'replay  re-publishes the chosen records to the topic they came from (same key, value and',
    '        event headers, plus dlt_replay_of) once their cause is fixed. The consumers apply',
    '        an event once, so replaying an applied one changes nothing; a record replayed',
    '        before is refused unless --force.',
  ].join('\n'),
  maxPositionals: 1,
  options: OPTIONS,
  footer: 'Exit status: 0 done; 1 something was refused or failed; 2 a wrong command line.',
};

function describe(letter: DeadLetter): string {
  const first = [
    letter.id,
    `key ${letter.key ?? '(none)'}`,
    `${letter.reason ?? '?'} after ${letter.attempts ?? '?'} attempt(s)`,
    `at ${letter.failedAt ?? '?'}`,
    `group ${letter.consumerGroup ?? '?'}`,
    letter.replayedAt ? `replayed ${letter.replayedAt}` : 'not replayed',
  ].join(' · ');
  return `${first}\n    ${(letter.error ?? '').replace(/\s+/g, ' ').slice(0, 300)}`;
}

function asJson(letter: DeadLetter): Record<string, unknown> {
  const { value, headers, ...rest } = letter;
  return {
    ...rest,
    value: value === null ? null : value.toString('utf8'),
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.toString('utf8')])),
  };
}

export async function main(
  parsed: ParsedCommand<typeof OPTIONS>,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const { values, positionals } = parsed;
  const action = positionals[0];
  if (action !== 'list' && action !== 'replay') {
    throw new UsageError(
      `say list or replay (got ${action === undefined ? 'nothing' : `"${action}"`})`,
    );
  }
  const target = kafkaTarget(values);
  if (action === 'replay') {
    if (!values.topic) throw new UsageError('replay needs --topic');
    if (values.all === values.id.length > 0)
      throw new UsageError('replay needs --id ID … or --all (one of them)');
    const remote = target.brokers.filter((broker) => !isLoopbackHost(hostOfAddress(broker)));
    if (remote.length > 0 && !values.force) {
      throw new UsageError(
        `refusing to publish to brokers not on this machine (${remote.join(', ')}) without --force`,
      );
    }
  }
  let topics: string[];
  try {
    topics = deadLetterTopics(target.topicPrefix, values.topic);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const store = new DeadLetterStore(target);
  await store.connect();
  try {
    const letters = await store.list(topics);
    if (action === 'list') {
      if (values.json) out(JSON.stringify(letters.map(asJson), null, 2));
      else {
        for (const topic of topics)
          out(`${topic}: ${letters.filter((l) => l.topic === topic).length} dead letter(s)`);
        for (const letter of letters) out(describe(letter));
      }
      return 0;
    }
    const result = await store.replay(letters, values.all ? 'all' : values.id, values.force);
    if (values.json) out(JSON.stringify(result, null, 2));
    else {
      for (const { id, to } of result.replayed) out(`replayed ${id} → ${to}`);
      for (const { id, why } of result.refused) out(`refused ${id}: ${why}`);
      out(`${result.replayed.length} replayed, ${result.refused.length} refused`);
    }
    return result.refused.length === 0 ? 0 : 1;
  } finally {
    await store.disconnect();
  }
}

if (require.main === module) {
  void runCommand('dlt', DLT_COMMAND, (parsed) => main(parsed));
}
