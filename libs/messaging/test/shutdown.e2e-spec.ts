import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Producer } from 'kafkajs';
import { type CustomerChanged, Topics } from '@storefront/events';
import { eventually } from '@storefront/testing';
import type { KafkaEventContext } from '../src';
import { customerName, customerRecord } from './support/event-records';
import { createTopics, deleteTopics, isolation, quietKafka } from './support/kit';
import { fastConsumer, type TestApp, startTestApp } from './support/test-app';

interface Handled {
  consumer: string;
  offset: string;
  firstName: string;
  attempt: number;
  done: boolean;
}

/** Shared by every app of this file; the gate holds the `Slow` record until the test opens it. */
class Probe {
  readonly handled: Handled[] = [];
  private open: () => void = () => undefined;
  readonly gate = new Promise<void>((resolve) => (this.open = resolve));

  release(): void {
    this.open();
  }
}

@Controller()
class SlowHandlers {
  constructor(
    @Inject('NAME') private readonly name: string,
    @Inject(Probe) private readonly probe: Probe,
  ) {}

  @EventPattern(Topics.CustomerChange)
  async onCustomerChanged(
    @Payload() payload: CustomerChanged,
    @Ctx() ctx: KafkaEventContext,
  ): Promise<void> {
    const entry: Handled = {
      consumer: this.name,
      offset: ctx.offset,
      firstName: payload.name.firstName,
      attempt: ctx.attempt,
      done: false,
    };
    this.probe.handled.push(entry);
    if (entry.firstName === 'Slow') await this.probe.gate;
    if (entry.firstName === 'Failing') throw new Error('not yet');
    entry.done = true;
  }
}

async function committedOffset(groupId: string, topic: string, partition: number): Promise<number> {
  const admin = quietKafka('shutdown-spec-admin').admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(offsets.partitions.find((p) => p.partition === partition)?.offset ?? -1);
  } finally {
    await admin.disconnect();
  }
}

describe('consumer shutdown (real Kafka)', () => {
  const probe = new Probe();
  const started: TestApp[] = [];
  let producer: Producer;
  const prefixes: string[] = [];

  async function consumerApp(name: string, prefix: string, groupId: string, slowRetries = false) {
    const app = await startTestApp({
      name,
      prefix,
      controllers: [SlowHandlers],
      providers: [
        { provide: 'NAME', useValue: name },
        { provide: Probe, useValue: probe },
      ],
      consumer: {
        ...fastConsumer,
        groupId,
        maxAttempts: 3,
        // A retry far in the future: closing must not wait for it.
        ...(slowRetries && { retryBackoff: { baseMs: 600_000, maxMs: 600_000 } }),
      },
    });
    started.push(app);
    return app;
  }

  const byConsumer = (name: string) => probe.handled.filter((entry) => entry.consumer === name);

  beforeAll(async () => {
    producer = quietKafka('shutdown-spec-producer').producer();
    await producer.connect();
  });

  afterAll(async () => {
    probe.release();
    await producer?.disconnect();
    for (const { app } of started) await app.close();
    for (const prefix of prefixes) await deleteTopics(prefix);
  });

  it('finishes the record in flight, commits only what was processed, and the next member resumes right after it', async () => {
    const { prefix } = isolation('shutdown');
    prefixes.push(prefix);
    await createTopics(prefix, [Topics.CustomerChange]);
    const topic = `${prefix}${Topics.CustomerChange}`;
    const group = 'shutdown-spec';
    const first = await consumerApp('first', prefix, group);
    const key = 'customer-shutdown';
    const [metadata] = await producer.send({
      topic,
      acks: -1,
      messages: ['Fast', 'Slow', 'After1', 'After2'].map((name, index) =>
        customerRecord(key, index + 1, customerName(name)),
      ),
    });
    const base = Number(metadata.baseOffset);
    await eventually('Slow started', () => byConsumer('first').some((e) => e.firstName === 'Slow'));

    const closing = first.app.close();
    let closed = false;
    void closing.then(() => (closed = true));
    await eventually('the consumer closing', () => first.server!.isClosing);
    // Still waiting for the record in flight.
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    probe.release();
    await closing;

    expect(byConsumer('first').map(({ firstName, done }) => ({ firstName, done }))).toEqual([
      { firstName: 'Fast', done: true },
      { firstName: 'Slow', done: true },
    ]);
    await expect(committedOffset(group, topic, metadata.partition)).resolves.toBe(base + 2);

    await consumerApp('second', prefix, group);
    await eventually(
      'the rest handled by the next member',
      () => byConsumer('second').length === 2,
    );
    expect(byConsumer('second').map(({ firstName, offset }) => ({ firstName, offset }))).toEqual([
      { firstName: 'After1', offset: String(base + 2) },
      { firstName: 'After2', offset: String(base + 3) },
    ]);
  });

  it('abandons a pending retry on close without committing it, so the record is handled again', async () => {
    const { prefix } = isolation('shutdown-retry');
    prefixes.push(prefix);
    await createTopics(prefix, [Topics.CustomerChange]);
    const topic = `${prefix}${Topics.CustomerChange}`;
    const group = 'shutdown-retry-spec';
    const patient = await consumerApp('patient', prefix, group, true);
    const [metadata] = await producer.send({
      topic,
      acks: -1,
      messages: [customerRecord('customer-retry', 1, customerName('Failing'))],
    });
    await eventually('the first attempt', () => byConsumer('patient').length === 1);
    // The next attempt is ten minutes away; close returns now (the test timeout would say otherwise).
    await patient.app.close();
    await expect(committedOffset(group, topic, metadata.partition)).resolves.toBe(-1);

    await consumerApp('successor', prefix, group);
    await eventually('three attempts by the successor', () => byConsumer('successor').length === 3);
    expect(byConsumer('successor').map((entry) => entry.attempt)).toEqual([1, 2, 3]);
    await eventually(
      'the dead-lettered record committed',
      async () =>
        (await committedOffset(group, topic, metadata.partition)) ===
        Number(metadata.baseOffset) + 1,
    );
  });
});
