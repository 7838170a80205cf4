import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The port the HTTP server listens on, `defaultPort` when unset; 0 picks a free one (tests). */
export function portSchema(defaultPort?: number) {
  const port = z.coerce.number().int().min(0).max(65535);
  return defaultPort === undefined ? port : port.default(defaultPort);
}

/** Settings every app has. Apps extend this schema with their own variables. */
export const baseConfigSchema = z.object({
  /** Port the HTTP server listens on; each app gives its own default with `portSchema`. */
  PORT: portSchema(),
  /** Interface to bind; loopback by default so nothing is exposed by accident. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** pino log level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Deployment environment name, reported by /actuator/info. */
  APP_ENV: z.string().min(1).default('development'),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/** A comma-separated list of host:port pairs. */
export const brokerListSchema = z
  .string()
  .min(1)
  .transform((value) => value.split(',').map((broker) => broker.trim()))
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1));

export const mongoUrlSchema = z
  .string()
  .regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// or mongodb+srv:// URL');

const SECRET_NAME = /KEY|SECRET|PASSWORD|TOKEN|CREDENTIAL|_URL$/i;

/** Thrown at start-up when the environment does not satisfy an app's config schema. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Resolves `NAME_FILE` variables (Docker/Swarm secrets mounted as files) into `NAME`, so a
 * secret never has to sit in the environment or a compose file. An explicit `NAME` wins.
 */
export function resolveFileVariables(
  env: NodeJS.ProcessEnv,
  known: ReadonlySet<string>,
): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const [key, file] of Object.entries(env)) {
    if (!key.endsWith('_FILE') || !file) continue;
    const name = key.slice(0, -'_FILE'.length);
    // Only the app's own variables: the environment has other tools' *_FILE settings too.
    if (!known.has(name) || resolved[name] !== undefined) continue;
    try {
      resolved[name] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new ConfigError([
        `${key}=${JSON.stringify(file)}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      ]);
    }
  }
  return resolved;
}

/**
 * Validates the environment once, at start-up (never at import time), so a wrong variable
 * stops the app with a message naming it instead of failing later at first use.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  rawEnv: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const known = new Set(schema instanceof z.ZodObject ? Object.keys(schema.shape) : []);
  const env = resolveFileVariables(rawEnv, known);
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const variable = issue.path.join('.') || '(environment)';
      const value = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
      // A mistyped secret must not end up in the logs; URLs may carry credentials too.
      return value === undefined || SECRET_NAME.test(variable)
        ? `${variable}: ${issue.message}`
        : `${variable}=${JSON.stringify(value)}: ${issue.message}`;
    }),
  );
}

/** DI token of the validated config object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
