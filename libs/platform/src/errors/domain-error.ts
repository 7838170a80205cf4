/**
 * A failure the domain knows about, with a stable string code such as `ORDERS.NOT_FOUND`.
 * Services throw these (never HTTP exceptions); the error filter maps codes to HTTP statuses
 * and the message consumer maps them to retry or dead-letter decisions.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** How a domain error code surfaces over HTTP. */
export type ErrorStatusMap = Readonly<Record<string, number>>;

/** Codes every app shares. */
export const CommonErrors = {
  NotFound: 'COMMON.NOT_FOUND',
  Conflict: 'COMMON.CONFLICT',
  Unauthorized: 'COMMON.UNAUTHORIZED',
  BadRequest: 'COMMON.BAD_REQUEST',
} as const;

export const COMMON_ERROR_STATUSES: ErrorStatusMap = {
  [CommonErrors.NotFound]: 404,
  [CommonErrors.Conflict]: 409,
  [CommonErrors.Unauthorized]: 401,
  [CommonErrors.BadRequest]: 400,
};

/**
 * Statuses inferred from a code's last word, so `ORDERS.NOT_FOUND` and
 * `ORDERS.CUSTOMER_NOT_FOUND` need no registration.
 */
const SUFFIX_STATUSES: ReadonlyArray<[string, number]> = [
  ['NOT_FOUND', 404],
  ['CONFLICT', 409],
  ['ILLEGAL_TRANSITION', 409],
  ['UNAUTHORIZED', 401],
  ['INVALID', 400],
  ['BAD_REQUEST', 400],
];

export function statusForCode(code: string, extra: ErrorStatusMap = {}): number {
  const explicit = extra[code] ?? COMMON_ERROR_STATUSES[code];
  if (explicit !== undefined) return explicit;
  const bySuffix = SUFFIX_STATUSES.find(
    ([suffix]) => code.endsWith(`.${suffix}`) || code.endsWith(`_${suffix}`),
  );
  return bySuffix ? bySuffix[1] : 422;
}
