import { helpText, parseCommand, UsageError, type CommandDef } from './options';
import { kafkaTarget } from './kafka-options';

const COMMAND: CommandDef<{
  name: { type: 'string'; value: 'N'; description: string; env: ['NAME']; default: 'x' };
  many: { type: 'string'; multiple: true; value: 'M'; description: string };
  flag: { type: 'boolean'; description: string };
}> = {
  usage: ['tool [options]'],
  summary: 'Does a thing.',
  maxPositionals: 1,
  options: {
    name: { type: 'string', value: 'N', description: 'a name', env: ['NAME'], default: 'x' },
    many: { type: 'string', multiple: true, value: 'M', description: 'many' },
    flag: { type: 'boolean', description: 'a flag' },
  },
  footer: 'Exit status: 0.',
};

describe('one command-line parser for every tool', () => {
  it('parses options and positionals, filling booleans and lists', () => {
    expect(parseCommand(COMMAND, ['go', '--name', 'n', '--many', 'a', '--many', 'b'])).toEqual({
      values: { name: 'n', many: ['a', 'b'], flag: false },
      positionals: ['go'],
      help: false,
    });
    expect(parseCommand(COMMAND, ['-h']).help).toBe(true);
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--name'], /--name.*argument missing/],
    [['a', 'b'], /unexpected argument "b"/],
  ])('refuses %j with a UsageError', (argv, message) => {
    expect(() => parseCommand(COMMAND, argv)).toThrow(UsageError);
    expect(() => parseCommand(COMMAND, argv)).toThrow(message);
  });

  it('writes the help from the declarations: every option, its variables and its default', () => {
    const text = helpText(COMMAND);
    expect(text).toContain('Usage: tool [options]');
    expect(text).toMatch(/--name N\s+a name \[NAME\] \(default: x\)/);
    expect(text).toMatch(/--many M\s+many \(repeatable\)/);
    expect(text).toMatch(/-h, --help\s+this text/);
    expect(text.endsWith('Exit status: 0.')).toBe(true);
  });
});

describe('Kafka options of the tools', () => {
  const none = {
    'kafka-brokers': undefined,
    'kafka-username': undefined,
    'kafka-password-file': undefined,
    'kafka-mechanism': undefined,
    'topic-prefix': undefined,
  };

  it('falls back to the services’ variables', () => {
    expect(
      kafkaTarget(none, {
        KAFKA_BROKERS: 'k1:9092, k2:9092',
        KAFKA_SASL_USERNAME: 'admin',
        KAFKA_SASL_PASSWORD: 'pw',
        KAFKA_TOPIC_PREFIX: 't.',
      }),
    ).toEqual({
      brokers: ['k1:9092', 'k2:9092'],
      topicPrefix: 't.',
      sasl: { mechanism: 'scram-sha-512', username: 'admin', password: 'pw' },
    });
    expect(kafkaTarget(none, {})).toEqual({ brokers: ['127.0.0.1:9092'], topicPrefix: '' });
  });

  it('refuses a user without a password and an unknown mechanism', () => {
    expect(() => kafkaTarget({ ...none, 'kafka-username': 'admin' }, {})).toThrow(
      /needs its password/,
    );
    expect(() => kafkaTarget({ ...none, 'kafka-mechanism': 'gssapi' }, {})).toThrow(UsageError);
  });
});
