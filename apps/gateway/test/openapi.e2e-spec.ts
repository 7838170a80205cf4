/**
 * Every OpenAPI document the runtime serves (each service's /v3/api-docs, directly and through
 * the gateway prefix) is valid OpenAPI 3 by @seriousme/openapi-schema-validator, declares every
 * path parameter its paths use, and documents errors with the shared error body (issue 17).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../../tools/runtime/paths';
import { startTestStack, type TestStack } from '../../../tools/runtime/test-stack';

const SERVICES = ['accounts', 'orders', 'fulfillment'] as const;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const ERROR_REF = '#/components/schemas/ErrorBodyDto';

interface Parameter {
  name: string;
  in: string;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Document {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation | Parameter[] | undefined>>;
}

/** Each operation of a document as `METHOD /path` with its object. */
function operations(document: Document): Array<[string, string, Operation]> {
  return Object.entries(document.paths).flatMap(([route, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map(
      (method): [string, string, Operation] => [
        `${method.toUpperCase()} ${route}`,
        route,
        item[method] as Operation,
      ],
    ),
  );
}

/** Runs the validator's own CLI: the package is ESM-only, which Jest's CommonJS runtime cannot load. */
async function validateWithCli(document: Document): Promise<{ valid: boolean; errors?: unknown }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-'));
  const file = path.join(dir, 'document.json');
  fs.writeFileSync(file, JSON.stringify(document));
  const cli = path.join(
    ROOT,
    'node_modules/@seriousme/openapi-schema-validator/bin/validate-api-cli.js',
  );
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, file]);
    return JSON.parse(stdout) as { valid: boolean; errors?: unknown };
  } catch (error) {
    // Exit status 1 means invalid; the result is still on stdout.
    const stdout = (error as { stdout?: string }).stdout;
    if (stdout) return JSON.parse(stdout) as { valid: boolean; errors?: unknown };
    throw error;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('OpenAPI documents', () => {
  let stack: TestStack;
  const documents = new Map<string, Document>();

  beforeAll(async () => {
    stack = await startTestStack({ dbPrefix: 'gateway_openapi' });
    for (const service of SERVICES) {
      for (const [via, url] of [
        ['direct', `${stack.url(service)}/v3/api-docs`],
        ['gateway', `${stack.gatewayUrl}/${service}/v3/api-docs`],
      ]) {
        const response = await fetch(url);
        expect(response.status).toBe(200);
        documents.set(`${service} ${via}`, (await response.json()) as Document);
      }
    }
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const cases = SERVICES.flatMap((service) => [`${service} direct`, `${service} gateway`]);

  it.each(cases)('%s is a valid OpenAPI 3 document', async (key) => {
    const document = documents.get(key)!;
    expect(document.openapi).toMatch(/^3\./);
    const result = await validateWithCli(document);
    expect(result).toEqual({ valid: true });
  });

  it.each(cases)('%s declares each path parameter its paths use, and no other', (key) => {
    const problems: string[] = [];
    for (const [name, route, operation] of operations(documents.get(key)!)) {
      const inPath = [...route.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      const declared = (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name)
        .sort();
      if (JSON.stringify(inPath) !== JSON.stringify(declared)) {
        problems.push(
          `${name}: path has {${inPath.join('}, {')}}, declared ${declared.join(', ')}`,
        );
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(cases)(
    "%s documents 400 for input, 500, the gateway's 429/502/503/504, and every error with the shared error body",
    (key) => {
      const problems: string[] = [];
      for (const [name, , operation] of operations(documents.get(key)!)) {
        const statuses = Object.keys(operation.responses);
        const takesInput =
          operation.requestBody !== undefined ||
          (operation.parameters ?? []).some((p) => p.in === 'path' || p.in === 'query');
        if (takesInput && !statuses.includes('400')) problems.push(`${name}: no 400`);
        for (const status of ['500', '429', '502', '503', '504']) {
          if (!statuses.includes(status)) problems.push(`${name}: no ${status}`);
        }
        for (const status of statuses.filter((s) => Number(s) >= 400)) {
          const ref = operation.responses[status].content?.['application/json']?.schema?.$ref;
          if (ref !== ERROR_REF) problems.push(`${name}: ${status} is not an ErrorBodyDto`);
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it.each(cases)('%s says request bodies take no unknown property (they are refused)', (key) => {
    const document = documents.get(key)! as Document & {
      components: { schemas: Record<string, { additionalProperties?: unknown }> };
    };
    const open: string[] = [];
    for (const [name, , operation] of operations(document)) {
      const body = operation.requestBody as
        { content: Record<string, { schema: { $ref?: string } }> } | undefined;
      for (const media of Object.values(body?.content ?? {})) {
        const ref = media.schema.$ref?.replace('#/components/schemas/', '');
        if (!ref || document.components.schemas[ref].additionalProperties !== false) {
          open.push(`${name}: ${ref ?? 'inline schema'}`);
        }
      }
    }
    expect(open).toEqual([]);
  });

  it.each(SERVICES)(
    '%s serves the same document through the gateway, only its server is the prefix',
    (service) => {
      const direct = documents.get(`${service} direct`)!;
      const proxied = documents.get(`${service} gateway`)!;
      expect(direct.servers).toEqual([{ url: '/' }]);
      expect(proxied.servers).toEqual([{ url: `/${service}` }]);
      expect({ ...proxied, servers: undefined }).toEqual({ ...direct, servers: undefined });
    },
  );
});
