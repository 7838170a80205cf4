/**
 * The committed contracts are what the apps serve: each OpenAPI document is rebuilt from the
 * apps' modules by the platform's own function and compared byte for byte with
 * docs/openapi/<app>.json (docs/asyncapi.yaml has the same check in tools/asyncapi.spec.ts).
 * A difference, even in a description, means running `npm run contracts` and committing the
 * diff, so every change to a public contract is reviewed.
 */
import fs from 'node:fs';
import { appNames, OPENAPI_DIR, openApiFile, renderJson, renderOpenApi, ROOT } from './contracts';

describe('docs/openapi (else run `npm run contracts` and review the diff)', () => {
  let rendered: Map<string, string>;

  beforeAll(async () => {
    rendered = await renderOpenApi(ROOT);
  });

  it.each(appNames())(
    '%s serves at /v3/api-docs what docs/openapi holds for it (none: no file)',
    (app) => {
      const committed = fs.existsSync(openApiFile(app))
        ? fs.readFileSync(openApiFile(app), 'utf8')
        : undefined;
      expect(committed).toBe(rendered.get(app));
    },
  );

  it('holds nothing else', () => {
    expect(fs.readdirSync(OPENAPI_DIR).sort()).toEqual(
      [...rendered.keys()].map((app) => `${app}.json`).sort(),
    );
  });

  it('covers the three services', () => {
    expect([...rendered.keys()].sort()).toEqual(['accounts', 'fulfillment', 'orders']);
  });
});

describe('renderJson', () => {
  it('sorts keys at every depth, keeps array order, indents and ends with a newline', () => {
    expect(renderJson({ b: 1, a: { d: [3, 1], c: null } })).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      3,\n      1\n    ]\n  },\n  "b": 1\n}\n',
    );
  });
});
