import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import request from 'supertest';
import { Topics } from '@storefront/events';
import { eventually } from '@storefront/testing';
import { customerName, customerRecord } from './support/event-records';
import { createTopics, deleteTopics, isolation, quietKafka } from './support/kit';
import { fastConsumer, startTestApp, type TestApp } from './support/test-app';

@Controller()
class NoopHandlers {
  @EventPattern(Topics.CustomerChange)
  onCustomerChanged(): string {
    return 'applied';
  }
}

describe('health and metrics', () => {
  const { prefix } = isolation('health');
  const apps: TestApp[] = [];

  beforeAll(async () => {
    await createTopics(prefix, [Topics.CustomerChange]);
  });

  afterAll(async () => {
    for (const { app } of apps) await app.close();
    await deleteTopics(prefix);
  });

  it('starts without a broker, reports kafka and the consumer DOWN, and still closes', async () => {
    const { app } = await startTestApp({
      name: 'health-no-broker',
      prefix,
      // Nothing listens on port 1: every connection attempt is refused.
      brokers: ['127.0.0.1:1'],
      controllers: [NoopHandlers],
      consumer: { ...fastConsumer, groupId: 'health-no-broker' },
    });
    const response = await request(app.getHttpServer()).get('/actuator/health/readiness');
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({
      status: 'DOWN',
      components: {
        kafka: {
          status: 'DOWN',
          details: { brokers: '127.0.0.1:1', error: 'producer connecting' },
        },
        kafkaConsumer: { status: 'DOWN', details: { groupId: 'health-no-broker' } },
        outbox: { status: 'UP', details: { pendingDocuments: 0 } },
      },
    });
    // Byte for byte the body of the hand-written health code that terminus replaced: Spring
    // style, components in registration order (terminus lists the UP ones first).
    expect(response.text).toBe(
      '{"status":"DOWN","components":{' +
        '"kafkaConsumer":{"status":"DOWN","details":{"groupId":"health-no-broker","state":"idle","topics":["accounts.customer.change"],"assignedPartitions":{}}},' +
        '"kafka":{"status":"DOWN","details":{"brokers":"127.0.0.1:1","error":"producer connecting"}},' +
        '"outbox":{"status":"UP","details":{"pendingDocuments":0,"oldestPendingSeconds":0,"maxAgeSeconds":60}}}}',
    );
    const all = await request(app.getHttpServer()).get('/actuator/health');
    expect({ status: all.status, text: all.text }).toEqual({ status: 503, text: response.text });
    await request(app.getHttpServer())
      .get('/actuator/health/liveness')
      .expect(200, { status: 'UP', components: {} });
    await app.close();
  });

  it('reports kafka, the consumer and its partitions UP, and exposes the messaging metrics', async () => {
    const started = await startTestApp({
      name: 'health-ok',
      prefix,
      controllers: [NoopHandlers],
      consumer: { ...fastConsumer, groupId: 'health-ok' },
    });
    apps.push(started);
    const server = started.app.getHttpServer();
    // Readiness is UP while the member is still joining (a running consumer); wait for the
    // assignment to check the partitions it reports.
    const ready = await eventually('readiness UP with the consumer joined', async () => {
      const response = await request(server).get('/actuator/health/readiness');
      return (
        response.status === 200 &&
        (response.body as { components: { kafkaConsumer: { details: { state: string } } } })
          .components.kafkaConsumer.details.state === 'joined' &&
        response
      );
    });
    expect(ready.body.components).toMatchObject({
      kafka: { status: 'UP', details: { clusterBrokers: 1 } },
      kafkaConsumer: {
        status: 'UP',
        details: {
          state: 'joined',
          topics: [Topics.CustomerChange],
          assignedPartitions: { [Topics.CustomerChange]: [0, 1, 2] },
        },
      },
      outbox: { status: 'UP' },
    });

    // The usual Nest call must not start a second consumer next to startEventConsumer's.
    await started.app.startAllMicroservices();

    const producer = quietKafka('health-spec-producer').producer();
    await producer.connect();
    await producer.send({
      topic: `${prefix}${Topics.CustomerChange}`,
      acks: -1,
      messages: [customerRecord('customer-metrics', 1, customerName('Metric'))],
    });
    await producer.disconnect();
    const metrics = await eventually('a consumed record in the metrics', async () => {
      const response = await request(server).get('/actuator/prometheus');
      return response.text.includes('messaging_consumed_total{') && response.text;
    });
    expect(metrics).toMatch(
      /messaging_consumed_total\{topic="accounts\.customer\.change",outcome="applied",application="health-ok"\} 1/,
    );
    expect(metrics).toMatch(
      /messaging_event_age_seconds_count\{[^}]*topic="accounts\.customer\.change"[^}]*\} 1/,
    );
    expect(metrics).toContain('messaging_outbox_backlog_documents');

    // Checked after a record went through, i.e. long after a second member would have joined.
    const admin = quietKafka('health-spec-admin').admin();
    await admin.connect();
    const { groups } = await admin.describeGroups(['health-ok']);
    await admin.disconnect();
    expect(groups[0]?.members).toHaveLength(1);
  });
});
