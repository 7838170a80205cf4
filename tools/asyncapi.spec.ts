import { readFileSync } from 'node:fs';
import { schemas as asyncApiSchemas } from '@asyncapi/specs';
import { TOPIC_SPECS } from '@storefront/events';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { ASYNCAPI_FILE, renderAsyncApi } from './asyncapi';
import type { JsonValue } from './asyncapi-document';

type Node = { [key: string]: JsonValue };

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function child(node: JsonValue | undefined, key: string): Node {
  const value = isNode(node) ? node[key] : undefined;
  if (!isNode(value)) throw new Error(`No object at ${key}`);
  return value;
}

function text(node: Node, key: string): string {
  const value = node[key];
  if (typeof value !== 'string') throw new Error(`No text at ${key}`);
  return value;
}

const document: Node = parse(renderAsyncApi());

/** Follows a local `$ref` (`#/a/b`) to its target. */
function resolveRef(node: Node): Node {
  if (typeof node.$ref !== 'string') return node;
  return resolveRef(
    node.$ref
      .slice(2)
      .split('/')
      .reduce<Node>((at, key) => child(at, key), document),
  );
}

describe('docs/asyncapi.yaml', () => {
  it('is up to date with the contract (else run `npx tsx tools/asyncapi.ts`)', () => {
    expect(readFileSync(ASYNCAPI_FILE, 'utf8')).toBe(renderAsyncApi());
  });

  it('is a valid AsyncAPI 3.0.0 document (official JSON Schema, offline)', () => {
    // The bundled schema embeds the draft-07 meta-schema itself, so ajv must not add its own.
    const ajv = new Ajv({ strict: false, allErrors: true, meta: false, validateSchema: false });
    addFormats(ajv);
    const validate = ajv.compile(asyncApiSchemas['3.0.0']);
    expect(validate(document) ? [] : validate.errors).toEqual([]);
  });

  it('has a channel for every topic and dead-letter topic, with its partitions', () => {
    const channels = Object.values(child(document, 'channels')).filter(isNode);
    expect(
      channels.map((channel) => [
        channel.address,
        child(child(channel, 'bindings'), 'kafka').partitions,
      ]),
    ).toEqual(expect.arrayContaining(TOPIC_SPECS.map((spec) => [spec.name, spec.partitions])));
    expect(channels).toHaveLength(TOPIC_SPECS.length);
  });

  it('marks the customer topic as compacted', () => {
    const kafka = child(
      child(child(child(document, 'channels'), 'customerChange'), 'bindings'),
      'kafka',
    );
    expect(kafka.topicConfiguration).toEqual({ 'cleanup.policy': ['compact'] });
  });

  it('says who sends and who receives what', () => {
    const operations = Object.entries(child(document, 'operations')).map(([id, operation]) => {
      const channel = resolveRef(child(operation, 'channel'));
      const service = /^[a-z]+/.exec(id)?.[0];
      return `${service} ${text(child({ operation }, 'operation'), 'action')} ${text(channel, 'address')}`;
    });
    expect(operations.sort()).toEqual(
      [
        'accounts send accounts.customer.change',
        'orders receive accounts.customer.change',
        'orders send accounts.customer.change.dlt',
        'orders send orders.order.fulfill',
        'fulfillment receive orders.order.fulfill',
        'fulfillment send orders.order.fulfill.dlt',
        'fulfillment send fulfillment.order.change',
        'orders receive fulfillment.order.change',
        'orders send fulfillment.order.change.dlt',
      ].sort(),
    );
  });

  const messages = Object.entries(child(child(document, 'components'), 'messages'));

  it.each(messages)('%s describes its Kafka key', (_name, message) => {
    const key = child(child(child(message, 'bindings'), 'kafka'), 'key');
    expect(key).toMatchObject({ type: 'string', description: expect.stringMatching(/\w/) });
  });

  it.each(messages.filter(([, message]) => isNode(message) && Array.isArray(message.examples)))(
    "%s's examples match its payload and headers schemas",
    (_name, message) => {
      const ajv = new Ajv({ strict: false, allErrors: true });
      addFormats(ajv);
      ajv.addSchema({ components: child(document, 'components') }, 'doc');
      // Point local refs at the document registered above, so ajv can resolve them.
      const rewrite = (node: Node): Node => {
        const copy: unknown = JSON.parse(JSON.stringify(node).replaceAll('"#/', '"doc#/'));
        if (!isNode(copy)) throw new Error('A schema must be an object');
        return copy;
      };
      const payload = ajv.compile(rewrite(child(message, 'payload')));
      const headers = ajv.compile(rewrite(child(message, 'headers')));
      const examples = isNode(message) && Array.isArray(message.examples) ? message.examples : [];
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples.filter(isNode)) {
        expect(payload(example.payload) ? [] : payload.errors).toEqual([]);
        expect(headers(example.headers) ? [] : headers.errors).toEqual([]);
      }
    },
  );
});
