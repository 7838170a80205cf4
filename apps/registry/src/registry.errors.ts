import { CommonErrors, DomainError, type ErrorStatusMap } from '@storefront/platform';

export const RegistryErrors = {
  /** A registration or a query parameter is malformed; the message names the field. */
  Invalid: 'REGISTRY.INVALID',
  /** No such application or instance; for a renewal this makes the client register again. */
  NotFound: 'REGISTRY.NOT_FOUND',
  /** Registrations are read as JSON only (XML is not implemented). */
  UnsupportedMediaType: 'REGISTRY.UNSUPPORTED_MEDIA_TYPE',
  /** A client failed to authenticate too often within the window (answered before any check). */
  TooManyFailedAuthentications: 'REGISTRY.TOO_MANY_FAILED_AUTHENTICATIONS',
} as const;

export const REGISTRY_ERROR_STATUSES: ErrorStatusMap = {
  [RegistryErrors.UnsupportedMediaType]: 415,
  [RegistryErrors.TooManyFailedAuthentications]: 429,
};

export class InvalidRequestError extends DomainError {
  constructor(field: string, message: string) {
    super(RegistryErrors.Invalid, message, { field });
  }
}

export class InstanceNotFoundError extends DomainError {
  constructor(what: string) {
    super(RegistryErrors.NotFound, `${what} is not registered`);
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  constructor(contentType: string) {
    super(
      RegistryErrors.UnsupportedMediaType,
      `registrations must be JSON (Content-Type: application/json), not ${contentType}`,
    );
  }
}

/** A registry write without credentials (`missing`) or with wrong ones: 401. */
export class UnauthorizedWriteError extends DomainError {
  constructor(verdict: 'missing' | 'wrong') {
    super(
      CommonErrors.Unauthorized,
      verdict === 'missing'
        ? 'Registry writes need HTTP Basic credentials (http://user:password@host:8761/eureka/)'
        : 'The registry credentials are wrong',
    );
  }
}
