import 'reflect-metadata';
import { AddressSchema, NameSchema, OrderStatusEventSchema } from '@storefront/events';
import { fixtures } from '@storefront/events/testing';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { z } from 'zod';
import { PatchForm, RequestForm, ResponseView } from './contract-forms';
import { TEXT_MAX } from './text.validation';

class NameForm extends RequestForm(NameSchema, fixtures.aName()) {}
class NamePatch extends PatchForm(NameForm, { title: 'Dr.' }) {}
class AddressForm extends RequestForm(AddressSchema, fixtures.aShippingAddress()) {}
class NameOut extends ResponseView(NameSchema, fixtures.aName()) {}

/** Each `field: message` a body gets, as the global validation pipe would report it. */
async function problems(form: new () => object, body: object): Promise<string[]> {
  const errors = await validate(plainToInstance(form, body), {
    whitelist: true,
    forbidNonWhitelisted: true,
  });
  return errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => `${error.property}: ${message}`),
  );
}

/** What @nestjs/swagger records for a property (its DECORATORS.API_MODEL_PROPERTIES key). */
function documented(form: new () => object, field: string): Record<string, unknown> {
  return Reflect.getMetadata(
    'swagger/apiModelProperties',
    form.prototype as object,
    field,
  ) as Record<string, unknown>;
}

describe('forms derived from a contract schema', () => {
  it('accepts what the contract accepts, optional texts absent or null', async () => {
    await expect(problems(NameForm, fixtures.aName())).resolves.toEqual([]);
    await expect(
      problems(NameForm, { title: 'Mr.', firstName: 'J', lastName: 'D' }),
    ).resolves.toEqual([]);
    await expect(problems(AddressForm, fixtures.aBillingAddress())).resolves.toEqual([]);
  });

  it.each([
    ['an empty required text', { firstName: '' }, ['firstName: firstName should not be empty']],
    [
      'a missing required text',
      { lastName: undefined },
      [
        'lastName: lastName must be shorter than or equal to 200 characters',
        'lastName: lastName should not be empty',
        'lastName: lastName must be a string',
      ],
    ],
    [
      'a too long optional text',
      { suffix: 'x'.repeat(TEXT_MAX + 1) },
      ['suffix: suffix must be shorter than or equal to 200 characters'],
    ],
    ['an unknown field', { nickname: 'Ada' }, ['nickname: property nickname should not exist']],
  ])('refuses %s with the messages of the hand-written DTOs', async (_case, change, messages) => {
    await expect(problems(NameForm, { ...fixtures.aName(), ...change })).resolves.toEqual(messages);
  });

  it('refuses an address type the contract does not know', async () => {
    await expect(
      problems(AddressForm, { ...fixtures.aBillingAddress(), type: 'HOME' }),
    ).resolves.toEqual([
      'type: type must be one of the following values: BILLING, SHIPPING, SHIPPING_ALTERNATE',
    ]);
  });

  it('lets a patch leave fields out and clear an optional one, never a required one', async () => {
    await expect(problems(NamePatch, {})).resolves.toEqual([]);
    await expect(problems(NamePatch, { middleName: null, suffix: null })).resolves.toEqual([]);
    await expect(problems(NamePatch, { lastName: null })).resolves.toEqual([
      'lastName: lastName must be shorter than or equal to 200 characters',
      'lastName: lastName should not be empty',
      'lastName: lastName must be a string',
    ]);
  });

  it('documents the HTTP bounds, the contract descriptions and the examples', () => {
    expect(documented(NameForm, 'title')).toMatchObject({
      type: String,
      minLength: 1,
      maxLength: TEXT_MAX,
      example: 'Mr.',
      description: NameSchema.shape.title.description,
    });
    expect(documented(NameForm, 'suffix')).toMatchObject({ required: false, nullable: true });
    expect(documented(NamePatch, 'title')).toMatchObject({ required: false, example: 'Dr.' });
    expect(documented(NamePatch, 'firstName')).toMatchObject({ required: false, example: 'John' });
    expect(documented(AddressForm, 'type')).toMatchObject({
      enum: ['BILLING', 'SHIPPING', 'SHIPPING_ALTERNATE'],
      example: 'SHIPPING',
    });
  });

  it('documents a response view with every field, optional texts nullable', () => {
    expect(documented(NameOut, 'title')).toMatchObject({ type: String, example: 'Mr.' });
    expect(documented(NameOut, 'title')).not.toHaveProperty('nullable');
    expect(documented(NameOut, 'middleName')).toMatchObject({ nullable: true, example: 'S.' });
    expect(documented(NameOut, 'middleName')).not.toHaveProperty('required', false);
  });

  it('documents a number of a response view as a JSON number', () => {
    class StatusOut extends ResponseView(OrderStatusEventSchema, fixtures.anOrderStatusEvent()) {}
    expect(documented(StatusOut, 'timestamp')).toMatchObject({ type: Number });
    expect(documented(StatusOut, 'note')).toMatchObject({ type: String, nullable: true });
  });

  it.each([
    ['a formatted text', z.object({ guid: z.uuid().describe('id') })],
    ['a number', z.object({ quantity: z.int().describe('units') })],
  ])('refuses to guess an HTTP form for %s', (_case, schema) => {
    expect(() => RequestForm(schema, {})).toThrow(/has no HTTP form yet/);
  });
});
