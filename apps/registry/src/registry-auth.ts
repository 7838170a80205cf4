import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import { APP_CONFIG, basicCredentials, sameSecret } from '@storefront/platform';
import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { RegistryErrors, UnauthorizedWriteError } from './registry.errors';

/**
 * Variables of the registry's write authentication. With REGISTRY_PASSWORD set (from a
 * `_FILE` secret in the stack), every write to /eureka/** — register, renew, cancel, status
 * overrides, metadata, and the peers' replication — needs HTTP Basic credentials, the form
 * Eureka clients already send when their service URL is `http://user:password@host/eureka/`.
 * Reads stay open: they are what the dashboard and stock tooling show, they carry addresses on
 * the stack's private network and no secret, and the stack no longer publishes the port.
 */
export const registryAuthConfigSchema = z.object({
  REGISTRY_USERNAME: z.string().min(1).max(64).default('eureka'),
  /** Unset: writes are open (the local demo on loopback); the registry says so at start-up. */
  REGISTRY_PASSWORD: z.string().min(16, 'use at least 16 characters').optional(),
  /** Failed authentications per client address per window before it is answered 429. */
  REGISTRY_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).default(10),
  REGISTRY_AUTH_FAILURE_WINDOW_MS: z.coerce.number().int().min(1000).default(300_000),
});

export type RegistryAuthConfig = z.infer<typeof registryAuthConfigSchema>;

export const REGISTRY_REALM = 'storefront-registry';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

type Verdict = 'open' | 'valid' | 'missing' | 'wrong';

/** Whether a request needs credentials, and whether it carries the right ones. */
export function authVerdict(
  config: RegistryAuthConfig,
  method: string,
  authorization: string | undefined,
): Verdict {
  if (config.REGISTRY_PASSWORD === undefined || READ_METHODS.has(method.toUpperCase())) {
    return 'open';
  }
  const given = basicCredentials(authorization);
  if (!given) return 'missing';
  // Both compared, always, so the time taken does not tell which one was wrong.
  const userOk = sameSecret(given.username, config.REGISTRY_USERNAME);
  const passwordOk = sameSecret(given.password, config.REGISTRY_PASSWORD);
  return userOk && passwordOk ? 'valid' : 'wrong';
}

/**
 * Throttles failed authentications per client address (express-rate-limit's window), before
 * the guard runs: requests that need no credentials or carry the right ones are never
 * counted or refused, so a registered service keeps renewing while someone guesses beside it.
 */
export function authFailureLimiter(config: RegistryAuthConfig): RequestHandler {
  return rateLimit({
    windowMs: config.REGISTRY_AUTH_FAILURE_WINDOW_MS,
    limit: config.REGISTRY_AUTH_FAILURE_LIMIT,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: (request: Request) => {
      const verdict = authVerdict(config, request.method, request.headers.authorization);
      return verdict === 'open' || verdict === 'valid';
    },
    handler: (request, response, _next, options) => {
      new Logger('RegistryAuth').warn(
        `too many failed authentications from ${request.ip}: ${request.method} ${request.originalUrl} refused`,
      );
      response.status(options.statusCode).json({
        statusCode: options.statusCode,
        code: RegistryErrors.TooManyFailedAuthentications,
        message: `Too many failed authentications: at most ${config.REGISTRY_AUTH_FAILURE_LIMIT} per ${config.REGISTRY_AUTH_FAILURE_WINDOW_MS / 1000} s per client`,
        path: request.originalUrl,
      });
    },
  });
}

/** Refuses writes without the registry's credentials: 401 with a JSON body and a Basic challenge. */
@Injectable()
export class RegistryAuthGuard implements CanActivate {
  private readonly logger = new Logger('RegistryAuth');

  constructor(@Inject(APP_CONFIG) private readonly config: RegistryAuthConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const verdict = authVerdict(this.config, request.method, request.headers.authorization);
    if (verdict === 'open' || verdict === 'valid') return true;
    http
      .getResponse<{ setHeader(name: string, value: string): void }>()
      .setHeader('WWW-Authenticate', `Basic realm="${REGISTRY_REALM}", charset="UTF-8"`);
    // The user name may be logged; the password never is.
    const who = basicCredentials(request.headers.authorization)?.username;
    this.logger.warn(
      `refused ${request.method} ${request.originalUrl} from ${request.ip}: ${
        verdict === 'missing'
          ? 'no credentials'
          : `wrong credentials for user ${JSON.stringify(who)}`
      }`,
    );
    throw new UnauthorizedWriteError(verdict);
  }
}
