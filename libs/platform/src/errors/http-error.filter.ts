import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, ErrorStatusMap, statusForCode } from './domain-error';
import type { ErrorBody } from './error-body';

interface BodyParserError {
  type: string;
  status?: number;
  statusCode?: number;
  message: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { type?: unknown }).type === 'string' &&
    typeof (
      (error as { status?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode
    ) === 'number'
  );
}

const BODY_PARSER_CODES: Record<string, string> = {
  'entity.parse.failed': 'REQUEST.MALFORMED_JSON',
  'entity.too.large': 'REQUEST.TOO_LARGE',
  'entity.too.deep': 'REQUEST.TOO_DEEP',
  'encoding.unsupported': 'REQUEST.UNSUPPORTED_ENCODING',
  'charset.unsupported': 'REQUEST.UNSUPPORTED_CHARSET',
};

const HTTP_STATUS_CODES: Record<number, string> = {
  400: 'REQUEST.BAD_REQUEST',
  401: 'REQUEST.UNAUTHORIZED',
  403: 'REQUEST.FORBIDDEN',
  404: 'REQUEST.NOT_FOUND',
  405: 'REQUEST.METHOD_NOT_ALLOWED',
  409: 'REQUEST.CONFLICT',
  412: 'REQUEST.PRECONDITION_FAILED',
  413: 'REQUEST.TOO_LARGE',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  429: 'REQUEST.TOO_MANY_REQUESTS',
};

/** The MongoDB driver's errors for a server it cannot reach, by name (no driver import here). */
const DATABASE_UNREACHABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
]);

/**
 * A database stopped, restarting or cut off: the request did not fail for what it asked, and may
 * be sent again once the database is back, so 503 (what a client retries), not a 500; an event
 * waits for it rather than being dead-lettered. A bulk
 * write whose connection was cut wraps the network error and keeps its `beforeHandshake`.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = (error as { name?: unknown }).name;
  if (typeof name !== 'string') return false;
  return (
    DATABASE_UNREACHABLE.has(name) || (name === 'MongoBulkWriteError' && 'beforeHandshake' in error)
  );
}

/** Turns anything thrown while handling a request into one JSON error shape. */
export function toErrorBody(error: unknown, statuses: ErrorStatusMap = {}): ErrorBody {
  if (error instanceof DomainError) {
    const statusCode = statusForCode(error.code, statuses);
    return { statusCode, code: error.code, message: error.message };
  }
  if (error instanceof BadRequestException) {
    const response = error.getResponse();
    const validation = (response as { validationErrors?: ErrorBody['errors'] }).validationErrors;
    if (validation) {
      return {
        statusCode: 400,
        code: 'REQUEST.VALIDATION_FAILED',
        message: validation.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors: validation,
      };
    }
  }
  if (error instanceof HttpException) {
    const statusCode = error.getStatus();
    const response = error.getResponse();
    const explicitCode =
      typeof response === 'object' && response !== null
        ? (response as { code?: unknown }).code
        : undefined;
    const raw =
      typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const message = Array.isArray(raw)
      ? raw.join('; ')
      : typeof raw === 'string'
        ? raw
        : error.message;
    return {
      statusCode,
      code:
        typeof explicitCode === 'string'
          ? explicitCode
          : (HTTP_STATUS_CODES[statusCode] ??
            (statusCode >= 500 ? 'SERVER.ERROR' : 'REQUEST.ERROR')),
      message,
    };
  }
  if (isBodyParserError(error)) {
    const statusCode = error.status ?? error.statusCode ?? 400;
    return {
      statusCode,
      code: BODY_PARSER_CODES[error.type] ?? HTTP_STATUS_CODES[statusCode] ?? 'REQUEST.BAD_REQUEST',
      message:
        error.type === 'entity.parse.failed' ? 'Request body is not valid JSON' : error.message,
    };
  }
  if (isDatabaseUnreachable(error)) {
    return {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      code: 'SERVER.DATABASE_UNAVAILABLE',
      message: 'The database cannot be reached; try again shortly',
    };
  }
  return {
    statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
    code: 'SERVER.INTERNAL_ERROR',
    message: 'Internal server error',
  };
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  constructor(private readonly statuses: ErrorStatusMap = {}) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const context = host.switchToHttp();
    const response = context.getResponse<Response>();
    const request = context.getRequest<Request>();
    const body = toErrorBody(error, this.statuses);
    body.path = request.originalUrl ?? request.url;
    const correlationId = request.headers['x-correlation-id'];
    if (typeof correlationId === 'string') body.correlationId = correlationId;
    if (body.statusCode >= 500) {
      this.logger.error({ err: error, path: body.path }, 'request failed');
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    // A handler's own Content-Type (application/hal+json, text/plain) is set before it runs;
    // Express's json() keeps it, so an error would claim the resource's media type.
    response.status(body.statusCode).type('application/json').json(body);
  }
}
