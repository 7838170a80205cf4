import { MongoBulkWriteError, MongoNetworkError, MongoServerError } from 'mongodb';
import { toErrorBody } from './http-error.filter';

describe('toErrorBody', () => {
  const closed = () => new MongoNetworkError('connection 3 to 127.0.0.1:27017 closed');

  it.each([
    ['the connection to the database cut', closed()],
    ['a bulk write whose connection was cut', new MongoBulkWriteError(closed(), {} as never)],
  ])('answers 503, not 500, for %s (a killed or restarting database)', (_, error) => {
    expect(toErrorBody(error)).toEqual({
      statusCode: 503,
      code: 'SERVER.DATABASE_UNAVAILABLE',
      message: 'The database cannot be reached; try again shortly',
    });
  });

  it.each([
    ['an unknown error', new Error('boom')],
    ['a database error that is no outage', new MongoServerError({ message: 'bad', code: 2 })],
  ])('answers 500 for %s', (_, error) => {
    expect(toErrorBody(error)).toMatchObject({ statusCode: 500, code: 'SERVER.INTERNAL_ERROR' });
  });
});
