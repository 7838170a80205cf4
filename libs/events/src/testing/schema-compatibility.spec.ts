import { z } from 'zod';
import { findIncompatibilities, type ReleasedSchema } from './schema-compatibility';
import { withoutDescriptions } from './schema-snapshots';

/** A released version built the way the real snapshots are: reader side, draft-07. */
const released = (version: number, schema: z.ZodType): ReleasedSchema => ({
  version,
  schema: z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }),
});

const V1 = z.object({
  guid: z.uuid(),
  timestamp: z.int(),
  note: z.string().nullable().default(null),
});
const SAMPLE_V1 = {
  guid: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  timestamp: 1528334452755,
  note: null,
};

describe('findIncompatibilities', () => {
  it('passes when the new version only adds an optional field', () => {
    const v2Sample = { ...SAMPLE_V1, carrier: 'UPS' };
    expect(findIncompatibilities([released(1, V1)], [SAMPLE_V1, v2Sample])).toEqual([]);
  });

  it('fails when the new version drops a field the old one requires', () => {
    const { guid: _dropped, ...v2Sample } = SAMPLE_V1;
    expect(findIncompatibilities([released(1, V1)], [v2Sample])).toEqual([
      { version: 1, sample: 0, errors: ["(root) must have required property 'guid'"] },
    ]);
  });

  it('fails when the new version changes the type of a field', () => {
    const v2Sample = { ...SAMPLE_V1, timestamp: '2018-06-07T01:20:52.755Z' };
    const failures = findIncompatibilities([released(1, V1)], [v2Sample]);
    expect(failures).toEqual([{ version: 1, sample: 0, errors: ['/timestamp must be integer'] }]);
  });

  it('fails when the new version widens an enum the old consumer knows', () => {
    const v1 = z.object({ status: z.enum(['CREATED', 'APPROVED']) });
    expect(findIncompatibilities([released(1, v1)], [{ status: 'SHIPPED' }])).toMatchObject([
      { version: 1, sample: 0 },
    ]);
  });

  it('checks the sample against every released version, naming each that fails', () => {
    const v2 = V1.extend({ carrier: z.string() });
    const v3Sample = { ...SAMPLE_V1, note: 7, carrier: 'UPS' };
    const { guid: _g, ...noGuid } = { ...SAMPLE_V1, carrier: 'UPS' };
    const failures = findIncompatibilities([released(1, V1), released(2, v2)], [v3Sample, noGuid]);
    expect(failures.map(({ version, sample }) => [version, sample])).toEqual([
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ]);
  });

  it('is why snapshots describe the reader: a strict schema would make any addition breaking', () => {
    const strict = { version: 1, schema: z.toJSONSchema(V1, { target: 'draft-7', io: 'output' }) };
    expect(findIncompatibilities([strict], [{ ...SAMPLE_V1, carrier: 'UPS' }])).toHaveLength(1);
  });
});

describe('withoutDescriptions', () => {
  it('drops description texts but keeps a property named description', () => {
    const schema = {
      description: 'An address.',
      properties: { description: { type: 'string', description: 'Its label.' } },
    };
    expect(withoutDescriptions(schema)).toEqual({
      properties: { description: { type: 'string' } },
    });
  });
});
