/**
 * The AsyncAPI 3.0 document of the event contract, built from libs/events (topics, payload
 * schemas, headers, dead letters and an example payload of each topic). A tool, not part of the
 * contract's runtime barrel: only tools/asyncapi.ts renders it.
 */
import {
  buildEventHeaders,
  CONTRACTS,
  type Contracts,
  DeadLetterHeaders,
  deadLetterHeadersJsonSchema,
  deadLetterTopic,
  type EventContract,
  EventHeaders,
  eventHeadersJsonSchema,
  JSON_CONTENT_TYPE,
  type JsonSchema,
  payloadJsonSchema,
  type Service,
  serviceSource,
  type Topic,
  type TopicName,
  Topics,
  TOPIC_SPECS,
} from '@storefront/events';
import { fixtures } from '@storefront/events/testing';

/** A JSON value, the shape of the whole document. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

const KAFKA_BINDING_VERSION = '0.5.0';

const ref = (pointer: string): JsonObject => ({ $ref: pointer });

/** Lower camel case of a `Topics` key: the channel id of the topic. */
function channelId(topic: Topic): string {
  const name = (Object.keys(Topics) as TopicName[]).find((key) => Topics[key] === topic);
  if (!name) throw new Error(`Unknown topic ${topic}`);
  return name[0].toLowerCase() + name.slice(1);
}

/** JSON Schema as a JSON value, without `$schema`: AsyncAPI schemas inherit the document's. */
function schemaValue(schema: JsonSchema): JsonObject {
  const { $schema: _dialect, ...rest } = JSON.parse(JSON.stringify(schema)) as JsonObject;
  return rest;
}

/** Broker topic configs as the Kafka channel binding types them. */
function topicConfiguration(config: Readonly<Record<string, string>>): JsonObject {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]): [string, JsonValue] => {
      if (key === 'cleanup.policy') return [key, value.split(',')];
      if (/\.(ms|bytes)$/.test(key)) return [key, Number(value)];
      return [key, value];
    }),
  );
}

function channelBinding(name: string): JsonObject {
  const spec = TOPIC_SPECS.find((candidate) => candidate.name === name);
  if (!spec) throw new Error(`No topic spec for ${name}`);
  return {
    kafka: {
      partitions: spec.partitions,
      ...(Object.keys(spec.config).length > 0 && {
        topicConfiguration: topicConfiguration(spec.config),
      }),
      bindingVersion: KAFKA_BINDING_VERSION,
    },
  };
}

function keyBinding(description: string): JsonObject {
  return { kafka: { key: { type: 'string', description }, bindingVersion: KAFKA_BINDING_VERSION } };
}

/** The common metadata headers, with this message's type and schema version pinned. */
function messageHeaders(type: string, version: number): JsonObject {
  return {
    allOf: [
      ref('#/components/schemas/EventHeaders'),
      {
        type: 'object',
        properties: {
          [EventHeaders.type]: { const: type },
          [EventHeaders.schemaVersion]: { const: String(version) },
        },
      },
    ],
  };
}

/** Deterministic example headers, so the generated document only changes with the contract. */
function exampleHeaders(contract: EventContract, type: string): JsonObject {
  return buildEventHeaders({
    id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
    type,
    source: serviceSource(contract.producer),
    schemaVersion: contract.version,
    aggregateVersion: 3,
    time: new Date('2018-06-07T01:16:58.821Z'),
    correlationId: 'c0ffee00-1b4e-4d2a-9f3c-0016d3cca427',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
}

function messages(contract: Contracts[Topic]): Record<string, JsonObject> {
  const common = {
    contentType: JSON_CONTENT_TYPE,
    correlationId: { location: `$message.header#/${EventHeaders.correlationId}` },
    bindings: keyBinding(contract.keyDescription),
  };
  const event: JsonObject = {
    name: contract.name,
    title: contract.name,
    summary: contract.summary,
    description:
      `CloudEvents type \`${contract.type}\`, schema version ${contract.version}. ` +
      `Produced by ${contract.producer}, consumed by ${contract.consumers.join(', ')}.`,
    ...common,
    headers: messageHeaders(contract.type, contract.version),
    payload: ref(`#/components/schemas/${contract.name}`),
    examples: [
      {
        name: `${contract.name}Example`,
        summary: "From the original's sample data.",
        headers: exampleHeaders(contract, contract.type),
        payload: JSON.parse(JSON.stringify(fixtures.examplePayload(contract.topic))) as JsonObject,
      },
    ],
  };
  if (!contract.tombstone) return { [contract.name]: event };
  const { tombstone } = contract;
  return {
    [contract.name]: event,
    [tombstone.name]: {
      name: tombstone.name,
      title: tombstone.name,
      summary: tombstone.summary,
      description: `CloudEvents type \`${tombstone.type}\`; the value is null (a Kafka tombstone).`,
      ...common,
      headers: messageHeaders(tombstone.type, contract.version),
      payload: { type: 'null', description: 'Null: the record is a tombstone.' },
      examples: [
        {
          name: `${tombstone.name}Example`,
          headers: exampleHeaders(contract, tombstone.type),
          payload: null,
        },
      ],
    },
  };
}

function deadLetterMessage(contract: Contracts[Topic]): JsonObject {
  return {
    name: `${contract.name}DeadLetter`,
    title: `${contract.name} dead letter`,
    summary: `A record of ${contract.topic} that a consumer could not process.`,
    description:
      'Key, value and headers of the original record, unchanged (the value may be a tombstone or ' +
      'not JSON at all), plus the `dlt_*` headers saying why and where it failed. ' +
      'Fix the cause, then replay the value to the original topic.',
    headers: ref('#/components/schemas/DeadLetterHeaders'),
    payload: { description: 'The original record value, byte for byte.' },
    bindings: keyBinding(`The original record's key: ${contract.keyDescription}`),
  };
}

function operation(
  action: 'send' | 'receive',
  channel: string,
  messageNames: readonly string[],
  summary: string,
): JsonObject {
  return {
    action,
    channel: ref(`#/channels/${channel}`),
    summary,
    messages: messageNames.map((name) => ref(`#/channels/${channel}/messages/${name}`)),
  };
}

const capitalize = (text: string) => text[0].toUpperCase() + text.slice(1);

export interface AsyncApiOptions {
  /** `info.version`: the version of the project that ships this contract. */
  readonly version: string;
}

/** The AsyncAPI 3.0 document of every topic, generated from the contracts. */
export function buildAsyncApiDocument(options: AsyncApiOptions): JsonObject {
  const channels: JsonObject = {};
  const operations: JsonObject = {};
  const componentMessages: JsonObject = {};
  const schemas: JsonObject = {
    EventHeaders: schemaValue(eventHeadersJsonSchema()),
    DeadLetterHeaders: {
      ...schemaValue(deadLetterHeadersJsonSchema()),
      description:
        `The \`${Object.values(DeadLetterHeaders).join('`, `')}\` headers; ` +
        'the original headers are kept as they were.',
    },
  };

  for (const contract of Object.values(CONTRACTS)) {
    const id = channelId(contract.topic);
    const dltId = `${id}DeadLetter`;
    const eventMessages = messages(contract);
    const names = Object.keys(eventMessages);
    const dlt = deadLetterMessage(contract);
    const dltName = `${contract.name}DeadLetter`;

    schemas[contract.name] = schemaValue(payloadJsonSchema(contract.topic));
    Object.assign(componentMessages, eventMessages, { [dltName]: dlt });

    channels[id] = {
      address: contract.topic,
      title: contract.topic,
      summary: contract.summary,
      messages: Object.fromEntries(
        names.map((name) => [name, ref(`#/components/messages/${name}`)]),
      ),
      bindings: channelBinding(contract.topic),
    };
    channels[dltId] = {
      address: deadLetterTopic(contract.topic),
      title: deadLetterTopic(contract.topic),
      summary: `Records of ${contract.topic} that a consumer gave up on.`,
      messages: { [dltName]: ref(`#/components/messages/${dltName}`) },
      bindings: channelBinding(deadLetterTopic(contract.topic)),
    };

    const producer: Service = contract.producer;
    operations[`${producer}Send${contract.name}`] = operation(
      'send',
      id,
      names,
      `${capitalize(producer)} publishes ${names.join(' and ')}. Key: ${contract.keyDescription}`,
    );
    for (const consumer of contract.consumers) {
      operations[`${consumer}Receive${contract.name}`] = operation(
        'receive',
        id,
        names,
        `${capitalize(consumer)} consumes ${contract.topic}.`,
      );
      operations[`${consumer}Send${dltName}`] = operation(
        'send',
        dltId,
        [dltName],
        `${capitalize(consumer)} dead-letters the ${contract.topic} records it cannot process.`,
      );
    }
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Storefront events',
      version: options.version,
      description: [
        'Event-carried state transfer between accounts, orders and fulfillment over Kafka.',
        '',
        '- Payloads are JSON with the field names of the original Spring Boot storefront;',
        '  optional texts are written as explicit nulls.',
        '- Metadata travels in headers after the CloudEvents Kafka binding, binary mode',
        '  (`ce_id`, `ce_type`, `ce_schemaversion`, `ce_aggregateversion`, `traceparent`, ...).',
        '- Every record is keyed by its aggregate id, so one aggregate keeps its order.',
        '- A schema change bumps `ce_schemaversion` and must stay readable by the consumers of',
        '  every released version (libs/events/schemas).',
        '- A record a consumer cannot process goes to `<topic>.dlt` with `dlt_*` headers.',
        '',
        'Generated from libs/events by tools/asyncapi.ts; do not edit by hand.',
      ].join('\n'),
      license: { name: 'MIT' },
    },
    defaultContentType: JSON_CONTENT_TYPE,
    channels,
    operations,
    components: { schemas, messages: componentMessages },
  };
}
