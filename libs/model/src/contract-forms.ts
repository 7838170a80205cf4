import type { Type } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { z } from 'zod';
import { IsOptionalText, IsRequiredText } from './text.validation';

/*
 * The HTTP classes of a contract value object, derived from its zod schema: the request form
 * (class-validator rules and OpenAPI, the HTTP bounds on top of the contract's) and the response
 * view (OpenAPI only). class-validator stays the engine because every other body is validated
 * by it and the 400 messages must stay as they are (ADR 0008). The schema's descriptions become
 * the document's; the examples are the contract's (`EXAMPLE_NAME`, …).
 */

/** One example value per field, for the OpenAPI document. */
export type Examples<S extends z.ZodObject> = { [K in keyof z.output<S>]?: z.output<S>[K] };

type FieldKind =
  | { kind: 'required-text' }
  | { kind: 'optional-text' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'number' };

/** A plain non-empty string: the contract's `requiredText`. */
function isRequiredText(field: z.ZodType): boolean {
  return field instanceof z.ZodString && field.format === null && field.minLength === 1;
}

/** A plain string, nullable, null by default: the contract's `optionalText`. */
function isOptionalText(field: z.ZodType): boolean {
  if (!(field instanceof z.ZodDefault)) return false;
  const nullable = field.unwrap() as z.ZodType;
  if (!(nullable instanceof z.ZodNullable)) return false;
  const text = nullable.unwrap() as z.ZodType;
  return text instanceof z.ZodString && text.format === null && text.minLength === null;
}

/**
 * What HTTP form a contract field takes. Anything else is refused at start-up rather than
 * guessed: an HTTP rule looser than the contract would let a request through whose event the
 * contract then refuses to publish.
 */
function fieldKind(name: string, field: z.ZodType): FieldKind {
  if (isRequiredText(field)) return { kind: 'required-text' };
  if (isOptionalText(field)) return { kind: 'optional-text' };
  if (field instanceof z.ZodEnum) return { kind: 'enum', values: field.options.map(String) };
  if (field instanceof z.ZodNumber) return { kind: 'number' };
  return noHttpForm(name);
}

function noHttpForm(name: string): never {
  throw new Error(`contract field "${name}" has no HTTP form yet (see libs/model contract-forms)`);
}

/** What the document says of a field besides its type: the contract's description, an example. */
interface FieldDoc {
  description: string | undefined;
  example: unknown;
}

/** A class with one property per field of the schema, each decorated as `decorators` says. */
function deriveClass<S extends z.ZodObject>(
  schema: S,
  examples: Examples<S>,
  decorators: (kind: FieldKind, doc: FieldDoc, name: string) => PropertyDecorator[],
): Type {
  class Derived {}
  for (const [name, field] of Object.entries(schema.shape)) {
    const type = field as z.ZodType;
    const doc = { description: type.description, example: examples[name as keyof Examples<S>] };
    decorate(Derived, name, decorators(fieldKind(name, type), doc, name));
  }
  return Derived;
}

function decorate(target: Type, name: string, decorators: PropertyDecorator[]): void {
  for (const decorator of decorators) decorator(target.prototype as object, name);
}

/**
 * A request body class for a contract value object: required texts non-empty, optional texts
 * absent, null or text, enums one of their values, each at most the HTTP text bound. Extend it
 * to name it: `export class NameDto extends RequestForm(NameSchema, EXAMPLE_NAME) {}`.
 */
export function RequestForm<S extends z.ZodObject>(
  schema: S,
  examples: Examples<S>,
): Type<z.input<S>> {
  // Each list is in the order the stacked decorators of the hand-written DTOs registered in,
  // which is the order of the validation messages a client gets.
  return deriveClass(schema, examples, (field, doc, name) => {
    switch (field.kind) {
      case 'required-text':
        return [IsRequiredText(), ApiProperty({ type: String, ...doc })];
      case 'optional-text':
        return [IsOptionalText(), ApiPropertyOptional({ type: String, nullable: true, ...doc })];
      case 'enum':
        return [IsIn(field.values), ApiProperty({ enum: field.values, ...doc })];
      case 'number':
        // Numbers carry bounds and rules of their own (prices, quantities) that no request
        // form of a value object needs yet: shown in views only.
        return noHttpForm(name);
    }
  }) as Type<z.input<S>>;
}

/**
 * The merge-patch form of a request form (RFC 7396): every field may be left out, a required
 * one may not be null, an optional one is cleared by null. `examples` replace the form's.
 */
export function PatchForm<T>(form: Type<T>, examples: Partial<T> = {}): Type<Partial<T>> {
  // skipNullProperties: false validates a null (a required field refuses it; an optional
  // text's own IsOptional still lets it through), where PartialType's default would skip it.
  class Patch extends (PartialType(form, { skipNullProperties: false }) as Type<object>) {}
  for (const [name, example] of Object.entries(examples)) {
    decorate(Patch, name, [ApiPropertyOptional({ example })]);
  }
  return Patch;
}

/**
 * The response view of a contract value object: every field present, optional texts null.
 * Numbers (a timestamp, a price) are shown as JSON numbers.
 */
export function ResponseView<S extends z.ZodObject>(
  schema: S,
  examples: Examples<S>,
): Type<z.output<S>> {
  return deriveClass(schema, examples, (field, doc) => {
    switch (field.kind) {
      case 'enum':
        return [ApiProperty({ enum: field.values, ...doc })];
      case 'number':
        return [ApiProperty({ type: Number, ...doc })];
      default:
        return [
          ApiProperty({
            type: String,
            nullable: field.kind === 'optional-text' || undefined,
            ...doc,
          }),
        ];
    }
  }) as Type<z.output<S>>;
}
