/**
 * Prints the broker's ACL table (libs/events/src/acls.ts) as kafka-acls.sh argument lines, one
 * rule a line, for the Swarm stack's entry script to mirror or to pipe into the tool:
 *
 *   npx tsx tools/kafka-acls.ts                 the table for the contract's topic names
 *   npx tsx tools/kafka-acls.ts --prefix t42.   for topics and groups under a prefix
 *   npx tsx tools/kafka-acls.ts --principals    the SASL users (super user first), one a line
 *
 * Arguments are shell-quoted (the wildcard `*` as `'*'`), so a script evaluates each line:
 *
 *   npx tsx tools/kafka-acls.ts | while read -r rule; do
 *     eval "kafka-acls.sh --bootstrap-server \"\$BROKER\" --command-config admin.properties --add $rule"
 *   done
 */
import { parseArgs } from 'node:util';
import { KAFKA_PRINCIPALS, KAFKA_SUPER_USER, kafkaAcls, kafkaAclsShArgs } from '@storefront/events';

const { values } = parseArgs({
  options: {
    prefix: { type: 'string', default: '' },
    principals: { type: 'boolean', default: false },
  },
});

function shellQuoted(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

const lines = values.principals
  ? [KAFKA_SUPER_USER, ...KAFKA_PRINCIPALS]
  : kafkaAcls(values.prefix).map((acl) => kafkaAclsShArgs(acl).map(shellQuoted).join(' '));
process.stdout.write(`${lines.join('\n')}\n`);
