import { z } from 'zod';
import { invalidPayloads, validPayloads } from './fixtures';
import { payloadJsonSchema, type JsonSchema } from './json-schema';
import { CONTRACTS, getContract, validatePayload } from './registry';
import { findIncompatibilities } from './testing/schema-compatibility';
import {
  readExamples,
  readSnapshot,
  releasedVersions,
  wireExamples,
  withoutDescriptions,
} from './testing/schema-snapshots';
import { ALL_TOPICS, Topics } from './topics';

const REGENERATE = 'run `npx tsx tools/event-schemas.ts`';

/** Paths of properties whose JSON Schema has no description (they would be undocumented). */
function undocumented(schema: JsonSchema, path = ''): string[] {
  const own = path && !schema.description ? [path] : [];
  const properties = Object.entries(schema.properties ?? {}).flatMap(([key, child]) =>
    typeof child === 'boolean' ? [] : undocumented(child, path ? `${path}.${key}` : key),
  );
  const items =
    schema.items && !Array.isArray(schema.items) && typeof schema.items !== 'boolean'
      ? undocumented(schema.items, `${path}[]`).filter((itemPath) => itemPath !== `${path}[]`)
      : [];
  return [...own, ...properties, ...items];
}

describe.each(ALL_TOPICS)('contract of %s', (topic) => {
  const contract = getContract(topic);

  describe('(a) has a contract, a schema and fixtures', () => {
    it('is registered under its own topic with a zod schema', () => {
      expect(CONTRACTS[topic].topic).toBe(topic);
      expect(contract.schema).toBeInstanceOf(z.ZodType);
      expect(payloadJsonSchema(topic)).toMatchObject({ type: 'object' });
    });

    it('has valid fixtures that pass both on produce and on consume', () => {
      expect(validPayloads()[topic].length).toBeGreaterThan(0);
      for (const payload of validPayloads()[topic]) {
        expect(validatePayload(topic, payload)).toMatchObject({ ok: true });
        expect(validatePayload(topic, payload, 'consume')).toMatchObject({ ok: true });
      }
    });

    it('has invalid fixtures, each refused for the reason it names', () => {
      const invalid = invalidPayloads()[topic];
      expect(invalid.length).toBeGreaterThan(0);
      for (const fixture of invalid) {
        const produced = validatePayload(topic, fixture.value);
        expect({
          fixture: fixture.description,
          paths: !produced.ok && produced.issues.map((i) => i.path),
        }).toEqual({
          fixture: fixture.description,
          paths: [fixture.path],
        });
        if (!fixture.produceOnly) {
          expect(validatePayload(topic, fixture.value, 'consume').ok).toBe(false);
        }
      }
    });

    it('documents every payload field', () => {
      expect(undocumented(payloadJsonSchema(topic))).toEqual([]);
    });
  });

  describe('(b) the current version is released', () => {
    it('has snapshots for versions 1..current and none beyond', () => {
      expect(releasedVersions(topic)).toEqual(
        Array.from({ length: contract.version }, (_, i) => i + 1),
      );
    });

    it(`matches the snapshot of its version (else bump the version and ${REGENERATE})`, () => {
      expect(withoutDescriptions(payloadJsonSchema(topic))).toEqual(
        withoutDescriptions(readSnapshot(topic, contract.version)),
      );
    });

    it(`has the current descriptions in its snapshot (else ${REGENERATE})`, () => {
      expect(payloadJsonSchema(topic)).toEqual(readSnapshot(topic, contract.version));
    });
  });

  describe('(c) stays compatible with every released version', () => {
    it('writes payloads that consumers of every released version can read', () => {
      const released = releasedVersions(topic).map((version) => ({
        version,
        schema: readSnapshot(topic, version),
      }));
      expect(findIncompatibilities(released, wireExamples(topic))).toEqual([]);
    });

    it('reads the examples of every released version (old records stay on the topic)', () => {
      for (const version of releasedVersions(topic)) {
        const examples = readExamples(topic, version);
        expect(examples.length).toBeGreaterThan(0);
        for (const example of examples) {
          expect({ version, ...validatePayload(topic, example, 'consume') }).toMatchObject({
            version,
            ok: true,
          });
        }
      }
    });
  });
});

describe('the customer change contract', () => {
  it('has a card-leak fixture that only the producer side can catch', () => {
    const leak = invalidPayloads()[Topics.CustomerChange].find(
      (fixture) => fixture.path === 'creditCards',
    );
    expect(leak?.produceOnly).toBe(true);
    expect(validatePayload(Topics.CustomerChange, leak?.value, 'consume')).toMatchObject({
      ok: true,
    });
  });

  it('has no field that could carry card data', () => {
    const fields = JSON.stringify(payloadJsonSchema(Topics.CustomerChange).properties);
    expect(fields).not.toMatch(/creditCard|cardNumber|nameOnCard|expiration/i);
  });

  it('is the only contract with tombstones', () => {
    expect(ALL_TOPICS.filter((topic) => getContract(topic).tombstone !== null)).toEqual([
      Topics.CustomerChange,
    ]);
  });
});
