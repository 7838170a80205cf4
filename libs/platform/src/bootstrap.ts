import type { DynamicModule, INestApplication, ModuleMetadata, Type } from '@nestjs/common';
import { ConsoleLogger, type LogLevel, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { json, type NextFunction, type Request, type Response, urlencoded } from 'express';
import { Logger } from 'nestjs-pino';
import type { z } from 'zod';
import { type BaseConfig, ConfigError, loadConfig } from './config/config';
import type { ErrorStatusMap } from './errors/domain-error';
import { HttpErrorFilter, toErrorBody } from './errors/http-error.filter';
import { jsonDepthLimit } from './http/json-depth';
import { closeRequestSchemas, completeErrorResponses, ErrorBodyDto } from './http/openapi';
import { createValidationPipe } from './http/validation';
import { PlatformModule } from './platform.module';

type ModuleImport = NonNullable<ModuleMetadata['imports']>[number];

export interface AppDefinition<S extends z.ZodType<BaseConfig>> {
  /** Lower-case app name, e.g. `accounts`. */
  name: string;
  configSchema: S;
  /** Feature modules; they can inject APP_CONFIG, HealthService and Metrics. */
  imports?: (config: z.infer<S>) => ModuleImport[];
  /** Domain error codes → HTTP statuses beyond the suffix conventions. */
  errorStatuses?: ErrorStatusMap;
  /** OpenAPI document title and description; omit for apps without a public API. */
  openApi?: { title: string; description: string };
  /** The gateway proxies raw request streams, so it must not parse bodies. */
  bodyParser?: boolean;
  /** Runs after the app is configured, before it listens (extra middleware and the like). */
  configure?: (app: INestApplication, config: z.infer<S>) => void | Promise<void>;
}

export const APP_VERSION = process.env.npm_package_version ?? '0.1.0';

function rootModule(definition: AppDefinition<z.ZodType<BaseConfig>>, config: BaseConfig): Type {
  const platform: DynamicModule = PlatformModule.forRoot({
    config,
    info: {
      name: definition.name,
      version: APP_VERSION,
      environment: config.APP_ENV,
      commit: process.env.GIT_COMMIT,
    },
  });
  @Module({ imports: [platform, ...(definition.imports?.(config) ?? [])] })
  class AppRootModule {}
  Object.defineProperty(AppRootModule, 'name', { value: `${definition.name}RootModule` });
  return AppRootModule;
}

function startupLogLevels(level: BaseConfig['LOG_LEVEL']): LogLevel[] {
  const order: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
  const index = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5, silent: -1 }[level];
  return order.slice(0, index + 1);
}

const PREFIX = /^(\/[\w-]+)+$/;

/** The path prefix the gateway stripped, if it is a sane one. */
export function forwardedPrefix(request: Request): string {
  const value = request.headers['x-forwarded-prefix'];
  return typeof value === 'string' && PREFIX.test(value) ? value : '';
}

function bodyParserErrors(
  error: unknown,
  request: Request,
  response: Response,
  next: NextFunction,
): void {
  if (response.headersSent) return next(error);
  const body = toErrorBody(error);
  response
    .status(body.statusCode)
    .type('application/json')
    .json({ ...body, path: request.originalUrl });
}

/** The OpenAPI document of an app's controllers, with the platform's error responses. */
export function buildOpenApiDocument(
  app: INestApplication,
  openApi: NonNullable<AppDefinition<z.ZodType<BaseConfig>>['openApi']>,
): OpenAPIObject {
  return completeErrorResponses(
    closeRequestSchemas(
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle(openApi.title)
          .setDescription(openApi.description)
          .setVersion(APP_VERSION)
          .build(),
        { extraModels: [ErrorBodyDto] },
      ),
    ),
  );
}

/**
 * The document as /v3/api-docs serves it. Behind the gateway the API lives under a prefix
 * (/accounts/…); "Try it out" must call it there, so the document names the prefix the gateway
 * forwarded (none: `/`) as its server.
 */
export function servedOpenApiDocument(document: OpenAPIObject, prefix: string): OpenAPIObject {
  return { ...document, servers: [{ url: prefix || '/' }] };
}

/**
 * The document an app serves at /v3/api-docs when called directly, built by the same functions
 * from its modules alone: Nest's preview mode instantiates no provider, so no database, broker
 * or registry is needed (docs/openapi/ is generated this way). Undefined for apps without one.
 */
export async function describeOpenApi<S extends z.ZodType<BaseConfig>>(
  definition: AppDefinition<S>,
  env: NodeJS.ProcessEnv = {},
): Promise<OpenAPIObject | undefined> {
  if (!definition.openApi) return undefined;
  const config = loadConfig(definition.configSchema, env);
  const app = await NestFactory.create(rootModule(definition, config), {
    preview: true,
    logger: false,
    bodyParser: false,
  });
  try {
    return servedOpenApiDocument(buildOpenApiDocument(app, definition.openApi), '');
  } finally {
    await app.close();
  }
}

/**
 * Builds a fully configured app without listening, so tests get exactly what production runs.
 * `env` defaults to process.env; tests pass their own.
 */
export async function createApp<S extends z.ZodType<BaseConfig>>(
  definition: AppDefinition<S>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ app: INestApplication; config: z.infer<S> }> {
  const config = loadConfig(definition.configSchema, env);
  // Nest's own body parser turns malformed JSON into an anonymous 400; parsing here keeps the
  // body-parser error type, so clients get a precise code (malformed JSON, too large…).
  // Until the pino logger exists (after module init), Nest's own logger writes JSON lines, so
  // start-up waits (database retries and the like) are visible as they happen, not buffered.
  const app = await NestFactory.create(rootModule(definition, config), {
    logger: new ConsoleLogger({ json: true, logLevels: startupLogLevels(config.LOG_LEVEL) }),
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  if (definition.bodyParser ?? true) {
    app.use(
      json({ limit: '1mb' }),
      urlencoded({ extended: false, limit: '1mb' }),
      jsonDepthLimit(),
      bodyParserErrors,
    );
  }
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter(definition.errorStatuses));
  app.enableShutdownHooks();
  if (definition.openApi) {
    const document = buildOpenApiDocument(app, definition.openApi);
    SwaggerModule.setup('swagger-ui.html', app, document, {
      jsonDocumentUrl: 'v3/api-docs',
      swaggerOptions: { persistAuthorization: true },
      patchDocumentOnRequest: <TRequest>(
        request: TRequest,
        _response: unknown,
        doc: OpenAPIObject,
      ) => servedOpenApiDocument(doc, forwardedPrefix(request as Request)),
    });
  }
  await definition.configure?.(app, config);
  return { app, config };
}

/** Entry point of every app's main.ts: a bad config or a busy port is one clear line and exit 1. */
export async function bootstrap<S extends z.ZodType<BaseConfig>>(
  definition: AppDefinition<S>,
): Promise<INestApplication | undefined> {
  try {
    const { app, config } = await createApp(definition);
    await app.listen(config.PORT, config.HOST);
    app.get(Logger).log(`${definition.name} listening on http://${config.HOST}:${config.PORT}`);
    return app;
  } catch (error) {
    const reason =
      error instanceof ConfigError
        ? error.message
        : (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
          ? `port already in use (${(error as Error).message})`
          : ((error as Error).stack ?? String(error));
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', app: definition.name, time: new Date().toISOString(), message: `${definition.name} failed to start: ${reason}` })}\n`,
    );
    process.exitCode = 1;
    // Connections opened before the failure (database, broker) must not keep the process alive.
    setImmediate(() => process.exit(1)).unref();
    return undefined;
  }
}
