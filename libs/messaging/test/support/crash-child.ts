/**
 * Runs in its own process (node --require tsx/cjs) and dies with SIGKILL at a chosen point:
 *   write   <db> <prefix> <id> <lastName>  updates the account with its event, then dies
 *                                          before any relay could publish it;
 *   publish <db> <prefix> <id>             relays the account's pending events and dies after
 *                                          Kafka acknowledged them, before removing them.
 */
import mongoose from 'mongoose';
import { KafkaConnection, OutboxRelay, updateWithOutbox } from '../../src';
import { accountEvent, accountModel } from './account.model';

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

async function main(): Promise<void> {
  const [mode, dbName, prefix, id, lastName] = process.argv.slice(2);
  const db = await mongoose
    .createConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/', { dbName })
    .asPromise();
  const accounts = accountModel(db);
  const current = await accounts.findById(id).lean().orFail();
  if (mode === 'write') {
    const updated = await updateWithOutbox(accounts, id, current.version, { set: { lastName } }, [
      accountEvent(id, lastName),
    ]);
    process.stdout.write(`wrote version ${updated?.version}\n`);
    die();
  }
  if (mode === 'publish') {
    const connection = new KafkaConnection({
      clientId: 'crash-child',
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      topicPrefix: prefix,
    });
    connection.start();
    await connection.whenConnected();
    const relay = new OutboxRelay(connection, {
      afterPublish: () => {
        process.stdout.write('published, dying before the removal\n');
        die();
      },
    });
    await relay.watch(accounts).kick(id);
    throw new Error('the relay returned without publishing');
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
