import { randomBytes } from 'node:crypto';

/** W3C Trace Context `traceparent`: version, trace id, parent (span) id, flags. */
export const TRACEPARENT_PATTERN = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface Traceparent {
  readonly version: string;
  readonly traceId: string;
  readonly parentId: string;
  readonly flags: string;
}

const SAMPLED = '01';

/** The parts of a valid `traceparent`, or null (bad format, version ff, all-zero ids). */
export function parseTraceparent(value: string): Traceparent | null {
  const match = TRACEPARENT_PATTERN.exec(value);
  if (!match) return null;
  const [, version, traceId, parentId, flags] = match;
  if (version === 'ff' || /^0+$/.test(traceId) || /^0+$/.test(parentId)) return null;
  return { version, traceId, parentId, flags };
}

export function isValidTraceparent(value: string): boolean {
  return parseTraceparent(value) !== null;
}

/** Random non-zero hex id of `bytes` bytes (an all-zero id is invalid in W3C Trace Context). */
function randomId(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('hex');
    if (!/^0+$/.test(id)) return id;
  }
}

/** A `traceparent` that starts a new, sampled trace. */
export function newTraceparent(): string {
  return `00-${randomId(16)}-${randomId(8)}-${SAMPLED}`;
}

/**
 * A `traceparent` for work caused by `parent`: same trace id and flags, a new span id.
 * A missing or malformed parent starts a new trace: trace context is advisory and must never
 * be the reason a message fails.
 */
export function childTraceparent(parent: string | undefined): string {
  const parsed = parent === undefined ? null : parseTraceparent(parent);
  if (!parsed) return newTraceparent();
  return `00-${parsed.traceId}-${randomId(8)}-${parsed.flags}`;
}
