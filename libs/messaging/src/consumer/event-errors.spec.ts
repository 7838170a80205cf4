import { DomainError } from '@storefront/platform';
import { MongoNetworkError, MongoServerSelectionError } from 'mongodb';
import { classifyError, describeError } from './event-errors';

class NotRetryable extends Error {
  readonly retryable = false;
}

describe('classifyError', () => {
  const permanentCodes = new Set(['ORDERS.ILLEGAL_TRANSITION']);

  it.each<[string, unknown, 'transient' | 'permanent']>([
    ['an error marked retryable: false', new NotRetryable('nope'), 'permanent'],
    [
      'a DomainError with a listed code',
      new DomainError('ORDERS.ILLEGAL_TRANSITION', 'x'),
      'permanent',
    ],
    ['a DomainError with another code', new DomainError('ORDERS.NOT_FOUND', 'x'), 'transient'],
    ['a plain Error', new Error('connection reset'), 'transient'],
    [
      "Nest's generic RPC error object",
      { status: 'error', message: 'Internal server error' },
      'transient',
    ],
    ['a thrown string', 'boom', 'transient'],
    ['undefined', undefined, 'transient'],
  ])('%s is %s', (_, error, expected) => {
    expect(classifyError(error, permanentCodes)).toBe(expected);
  });
});

describe('classifyError, the database out of reach', () => {
  // The chaos run (tools/chaos, --full --seed 7): a customer's delete event was dead-lettered
  // as handler-failed after 5 attempts while the database was restarting, and its replica in
  // orders stayed live for good. An outage is waited out, never dead-lettered.
  it.each<[string, unknown]>([
    ['a cut connection', new MongoNetworkError('connection 47 to 127.0.0.1:40913 closed')],
    [
      'no server to select',
      new MongoServerSelectionError('connection 47 to 127.0.0.1:40913 closed', {} as never),
    ],
  ])('%s is an outage', (_, error) => {
    expect(classifyError(error)).toBe('outage');
  });
});

describe('describeError', () => {
  it.each<[unknown, string]>([
    [
      new DomainError('ORDERS.NOT_FOUND', 'order 1 not found'),
      'ORDERS.NOT_FOUND: order 1 not found',
    ],
    [Object.assign(new TypeError('bad'), { retryable: false }), 'TypeError: bad'],
    [new Error('plain'), 'plain'],
    [{ status: 'error', message: 'Internal server error' }, 'Internal server error'],
    ['text', 'text'],
  ])('describes %p as %p', (error, expected) => {
    expect(describeError(error)).toBe(expected);
  });
});
