import { ApiProperty, ApiPropertyOptional, type OpenAPIObject } from '@nestjs/swagger';

/** One field-level problem of a refused request. */
export class FieldErrorDto {
  @ApiProperty({ example: 'page' }) field!: string;
  @ApiProperty({ example: 'page must not be greater than 2147483647' }) message!: string;
}

/** The JSON body of every error response (see {@link ErrorBody}). */
export class ErrorBodyDto {
  @ApiProperty({ type: 'integer', example: 400 }) statusCode!: number;
  /** Stable, machine-readable code. */
  @ApiProperty({ example: 'REQUEST.VALIDATION_FAILED' }) code!: string;
  @ApiProperty({ example: 'page: page must not be greater than 2147483647' }) message!: string;
  /** Each field-level problem, when the request was invalid. */
  @ApiPropertyOptional({ type: [FieldErrorDto] }) errors?: FieldErrorDto[];
  @ApiPropertyOptional({ example: '3f1c2a4e-8d7b-4c1e-9f0a-2b3c4d5e6f70' }) correlationId?: string;
  @ApiPropertyOptional({ example: '/customers?page=-1' }) path?: string;
}

const ERROR_SCHEMA = { $ref: '#/components/schemas/ErrorBodyDto' };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** What every operation may answer, besides what its own decorators document. */
const COMMON_RESPONSES: Record<string, string> = {
  500: 'SERVER.INTERNAL_ERROR: an unexpected failure; never an answer to bad input',
  // The documents' server is the gateway prefix: these are the gateway's own answers.
  429: 'GATEWAY.RATE_LIMITED (from the gateway): over the per-client request limit; retry after the RateLimit reset',
  502: 'GATEWAY.UPSTREAM_FAILED (from the gateway): every instance of the service failed to answer',
  503: 'GATEWAY.NO_INSTANCE (from the gateway): no instance of the service is registered UP; SERVER.DATABASE_UNAVAILABLE (from the service): its database cannot be reached, try again shortly',
  504: 'GATEWAY.UPSTREAM_TIMEOUT (from the gateway): the service did not answer within the timeout',
};
const INPUT_RESPONSES: Record<string, string> = {
  400: 'REQUEST.VALIDATION_FAILED (or another REQUEST.* code): a parameter or the body breaks its schema; `errors` names each field',
};
const BODY_RESPONSES: Record<string, string> = {
  413: 'REQUEST.TOO_LARGE: the body is over 1 MB',
};

type Operation = {
  parameters?: Array<{ in?: string }>;
  requestBody?: unknown;
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
};

/** Path and query parameters and bodies are validated; the admin key header is only compared (401). */
function takesInput(operation: Operation): boolean {
  return (
    operation.requestBody !== undefined ||
    (operation.parameters ?? []).some(
      (parameter) => parameter.in === 'path' || parameter.in === 'query',
    )
  );
}

/**
 * Makes the document say every status an operation can answer, each error with the shared
 * error body as its schema: the decorators list the domain's statuses (404, 409, …), and
 * what the platform itself answers (400 for input that breaks a schema, 413, 500) and what
 * the gateway in front of it answers (429, 502, 503, 504) are added here once for all
 * operations, so no controller can forget them.
 */
export function completeErrorResponses(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      const added: Record<string, string> = {
        ...(takesInput(operation) ? INPUT_RESPONSES : {}),
        ...(operation.requestBody ? BODY_RESPONSES : {}),
        ...COMMON_RESPONSES,
      };
      for (const [status, description] of Object.entries(added)) {
        operation.responses[status] ??= { description };
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) >= 400) {
          response.content = { 'application/json': { schema: ERROR_SCHEMA } };
        }
      }
    }
  }
  return document;
}

type SchemaObject = {
  $ref?: string;
  type?: string;
  properties?: Record<string, SchemaObject>;
  items?: SchemaObject;
  additionalProperties?: unknown;
  allOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  anyOf?: SchemaObject[];
};

/**
 * The validation pipe refuses a property a body DTO does not declare (forbidNonWhitelisted);
 * the schemas of request bodies say so with `additionalProperties: false`, so a client (or a
 * generated test) knows an unknown property is a 400, not something ignored.
 */
export function closeRequestSchemas(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject>;
  const seen = new Set<SchemaObject>();
  const close = (schema: SchemaObject | undefined): void => {
    if (!schema || seen.has(schema)) return;
    seen.add(schema);
    if (schema.$ref) {
      close(schemas[schema.$ref.replace('#/components/schemas/', '')]);
      return;
    }
    if (schema.properties) {
      schema.additionalProperties ??= false;
      Object.values(schema.properties).forEach(close);
    }
    close(schema.items);
    [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])].forEach(close);
  };
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, { requestBody?: unknown } | undefined>)[method];
      const content = (
        operation?.requestBody as { content?: Record<string, { schema?: SchemaObject }> }
      )?.content;
      Object.values(content ?? {}).forEach((media) => close(media.schema));
    }
  }
  return document;
}
