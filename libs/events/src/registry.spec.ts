import {
  aCustomerChanged,
  aFulfillmentRequested,
  anOrderStatusChanged,
  SAMPLE_CUSTOMER_IDS,
  SAMPLE_ORDER_GUID,
} from './fixtures';
import {
  CONTRACTS,
  getContract,
  messageKey,
  parsePayloadJson,
  validatePayload,
  type TombstoneTopic,
  type TopicPayload,
  type TopicPayloadInput,
} from './registry';
import { Topics, type Topic } from './topics';

/** What a typed publisher looks like; only its signature matters here. */
function publish<T extends Topic>(topic: T, payload: TopicPayloadInput<T>): [T, unknown] {
  return [topic, payload];
}
function publishTombstone(topic: TombstoneTopic, key: string): [Topic, string] {
  return [topic, key];
}

/** John Doe's customer change as the original (Jackson) wrote it: explicit nulls, field order. */
const ORIGINAL_CUSTOMER_CHANGE_JSON =
  `{"id":"${SAMPLE_CUSTOMER_IDS.john}",` +
  '"name":{"title":"Mr.","firstName":"John","middleName":"S.","lastName":"Doe","suffix":"Jr."},' +
  '"contact":{"primaryPhone":"555-666-7777","secondaryPhone":"555-444-9898","email":"john.doe@internet.com"},' +
  '"addresses":[' +
  '{"type":"BILLING","description":"My cc billing address","address1":"123 Oak Street","address2":null,' +
  '"city":"Sunrise","state":"CA","postalCode":"12345-6789"},' +
  '{"type":"SHIPPING","description":"My home address","address1":"123 Oak Street","address2":null,' +
  '"city":"Sunrise","state":"CA","postalCode":"12345-6789"}]}';

describe('event registry', () => {
  it('types publish(topic, payload) by topic', () => {
    expect(publish(Topics.CustomerChange, aCustomerChanged())[0]).toBe(Topics.CustomerChange);
    // @ts-expect-error a status change is not a customer change
    publish(Topics.CustomerChange, anOrderStatusChanged());
    // @ts-expect-error only the customer topic has tombstones
    publishTombstone(Topics.OrderFulfill, SAMPLE_ORDER_GUID);
    expect(publishTombstone(Topics.CustomerChange, SAMPLE_CUSTOMER_IDS.john)[1]).toBe(
      SAMPLE_CUSTOMER_IDS.john,
    );
  });

  it('optional texts may be omitted on produce', () => {
    const { middleName: _middle, suffix: _suffix, ...name } = aCustomerChanged().name;
    const payload: TopicPayloadInput<typeof Topics.CustomerChange> = {
      ...aCustomerChanged(),
      name,
    };
    expect(publish(Topics.CustomerChange, payload)[1]).toBe(payload);
  });

  it.each([
    [Topics.CustomerChange, aCustomerChanged(), SAMPLE_CUSTOMER_IDS.john],
    [Topics.OrderFulfill, aFulfillmentRequested(), SAMPLE_ORDER_GUID],
    [Topics.OrderStatusChange, anOrderStatusChanged(), SAMPLE_ORDER_GUID],
  ] as const)('keys %s by the aggregate id', (topic, payload, key) => {
    expect(messageKey(topic, payload as TopicPayload<typeof topic>)).toBe(key);
  });

  it('refuses a topic without a contract', () => {
    expect(() => getContract('accounts.customer.created' as Topic)).toThrow(/No event contract/);
    expect(() => validatePayload('nope' as Topic, {})).toThrow(/No event contract/);
  });

  it.each(Object.values(CONTRACTS).map((c) => [c.topic, c.type] as const))(
    '%s has a reverse-DNS CloudEvents type (%s) and an integer version',
    (topic, type) => {
      expect(type).toMatch(/^com\.storefront\.[a-z]+(\.[a-z]+)+$/);
      expect(Number.isInteger(getContract(topic).version)).toBe(true);
    },
  );
});

describe('validatePayload', () => {
  it('produces the same JSON the original wrote, explicit nulls included', () => {
    const { address2: _a, ...billing } = aCustomerChanged().addresses[0];
    const input = { ...aCustomerChanged(), addresses: [billing, aCustomerChanged().addresses[1]] };
    const result = validatePayload(Topics.CustomerChange, input);
    expect(result.ok && JSON.stringify(result.value)).toBe(ORIGINAL_CUSTOMER_CHANGE_JSON);
  });

  it('on produce refuses a credit card, naming the field', () => {
    const result = validatePayload(Topics.CustomerChange, {
      ...aCustomerChanged(),
      creditCards: [{ type: 'PRIMARY', number: '1234-6789-0000-0000' }],
    });
    expect(result).toMatchObject({ ok: false, issues: [{ path: 'creditCards' }] });
    expect(result.ok || result.message).toMatch(/^creditCards: Unknown field/);
  });

  it('on produce refuses unknown keys at any depth', () => {
    const customer = aCustomerChanged();
    const result = validatePayload(Topics.CustomerChange, {
      ...customer,
      addresses: [customer.addresses[0], { ...customer.addresses[1], cardNumber: '9999' }],
    });
    expect(result).toMatchObject({ ok: false, issues: [{ path: 'addresses[1].cardNumber' }] });
  });

  it('on consume drops unknown keys, so a consumer of version N reads version N+1', () => {
    const result = validatePayload(
      Topics.CustomerChange,
      { ...aCustomerChanged(), loyaltyTier: 'gold' },
      'consume',
    );
    expect(result).toEqual({ ok: true, value: aCustomerChanged() });
  });

  it('reports every issue with its path', () => {
    const result = validatePayload(Topics.OrderStatusChange, {
      guid: 'not-a-uuid',
      orderStatusEvent: { timestamp: 'yesterday', orderStatusType: 'DONE' },
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues.map((issue) => issue.path)).toEqual([
      'guid',
      'orderStatusEvent.timestamp',
      'orderStatusEvent.orderStatusType',
    ]);
  });

  it('does not mutate its input', () => {
    const input = {
      ...anOrderStatusChanged(),
      orderStatusEvent: { timestamp: 1, orderStatusType: 'SHIPPED' },
    };
    const result = validatePayload(Topics.OrderStatusChange, input);
    expect(result.ok && result.value.orderStatusEvent.note).toBeNull();
    expect(input.orderStatusEvent).not.toHaveProperty('note');
  });
});

describe('parsePayloadJson', () => {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('reads a payload the original wrote', () => {
    const result = parsePayloadJson(
      Topics.CustomerChange,
      Buffer.from(ORIGINAL_CUSTOMER_CHANGE_JSON),
    );
    expect(result).toEqual({ kind: 'payload', payload: aCustomerChanged() });
  });

  it("reads the original README's fulfillment request, stale product id and null note included", () => {
    const request = aFulfillmentRequested();
    const legacy = {
      ...request,
      id: null,
      order: {
        ...request.order,
        orderItems: request.order.orderItems.map((item) => ({
          ...item,
          product: { id: null, ...item.product },
        })),
      },
    };
    expect(parsePayloadJson(Topics.OrderFulfill, json(legacy))).toEqual({
      kind: 'payload',
      payload: request,
    });
  });

  it('accepts a string value', () => {
    expect(
      parsePayloadJson(Topics.OrderStatusChange, JSON.stringify(anOrderStatusChanged())),
    ).toEqual({
      kind: 'payload',
      payload: anOrderStatusChanged(),
    });
  });

  it('tells a tombstone on the customer topic', () => {
    expect(parsePayloadJson(Topics.CustomerChange, null)).toEqual({ kind: 'tombstone' });
  });

  it.each([Topics.OrderFulfill, Topics.OrderStatusChange])('rejects a tombstone on %s', (topic) => {
    expect(parsePayloadJson(topic, null)).toMatchObject({
      kind: 'rejected',
      reason: 'unexpected-tombstone',
    });
  });

  it.each([
    ['truncated JSON', Buffer.from('{"guid":')],
    ['an empty value', Buffer.alloc(0)],
    ['plain text', Buffer.from('PROCESSING')],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
  ])('rejects %s as not-json', (_label, value) => {
    const result = parsePayloadJson(Topics.OrderStatusChange, value);
    expect(result).toMatchObject({ kind: 'rejected', reason: 'not-json' });
    expect(result.kind === 'rejected' && result.message).toMatch(/^\(root\): Not UTF-8 JSON/);
  });

  it('rejects valid JSON that breaks the schema as schema-violation, with the issues', () => {
    const result = parsePayloadJson(
      Topics.OrderStatusChange,
      json({
        ...anOrderStatusChanged(),
        orderStatusEvent: { timestamp: 1, orderStatusType: 'COMPLETED' },
      }),
    );
    expect(result).toMatchObject({
      kind: 'rejected',
      reason: 'schema-violation',
      issues: [{ path: 'orderStatusEvent.orderStatusType' }],
    });
    expect(result.kind === 'rejected' && result.message).toMatch(
      /^orderStatusEvent\.orderStatusType: /,
    );
  });

  it('treats JSON null as a schema violation, not a tombstone', () => {
    expect(parsePayloadJson(Topics.CustomerChange, Buffer.from('null'))).toMatchObject({
      kind: 'rejected',
      reason: 'schema-violation',
    });
  });
});
