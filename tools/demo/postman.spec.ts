import fs from 'node:fs';
import path from 'node:path';
import { SAMPLE_STEPS } from './demo.rules';

const ROOT = path.resolve(__dirname, '..', '..');

interface Item {
  name: string;
  item?: Item[];
  event?: Array<{ listen: string; script: { exec: string[] } }>;
  request?: { method: string; url: string };
}

const collection = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'postman/storefront.postman_collection.json'), 'utf8'),
) as { info: { schema: string }; item: Item[] };
const environment = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'postman/local.postman_environment.json'), 'utf8'),
) as { values: Array<{ key: string; value: string }> };
const httpFile = fs.readFileSync(path.join(ROOT, 'postman/storefront.http'), 'utf8');

function requests(items: readonly Item[]): Item[] {
  return items.flatMap((item) => (item.item ? requests(item.item) : [item]));
}

const all = requests(collection.item);

describe('the Postman collection', () => {
  it('is a v2.1 collection with the folders of the demo', () => {
    expect(collection.info.schema).toBe(
      'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    );
    expect(collection.item.map((folder) => folder.name)).toEqual([
      '0 Health checks',
      '1 Sample flow',
      '2 Customers',
      '3 Orders',
      '4 Delete',
    ]);
  });

  it('has a test script with pm.test in every request, and unique names (waits re-run by name)', () => {
    for (const request of all) {
      const tests = request.event?.find((e) => e.listen === 'test')?.script.exec.join('\n') ?? '';
      expect({ name: request.name, hasTest: tests.includes('pm.test(') }).toEqual({
        name: request.name,
        hasTest: true,
      });
    }
    const names = all.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('addresses the runtime only through its variables', () => {
    for (const request of all) {
      expect(request.request?.url).toMatch(/^\{\{(gatewayUrl|registryUrl)\}\}\//);
    }
    expect(environment.values.map((v) => v.key)).toEqual([
      'gatewayUrl',
      'registryUrl',
      'adminApiKey',
    ]);
  });

  it("calls the original's seven sample URLs as GETs, in its order, in the collection and the .http file", () => {
    const sample = collection.item.find((f) => f.name === '1 Sample flow')!;
    const calls = requests(sample.item!)
      .map((r) => `${r.request!.method} ${r.request!.url.replace('{{gatewayUrl}}', '')}`)
      .filter((call) => call.includes('/sample'));
    expect(calls).toEqual(SAMPLE_STEPS.map((s) => `GET ${s.path}`));

    const httpCalls = [...httpFile.matchAll(/^GET \{\{gateway\}\}(\S*\/sample\S*)$/gm)].map(
      (m) => m[1],
    );
    expect(httpCalls).toEqual(SAMPLE_STEPS.map((s) => s.path));
  });
});
