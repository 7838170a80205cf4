import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/** The longest free text an input body may carry in one field (the contract sets no limit). */
export const TEXT_MAX = 200;

/*
 * Each also states its bounds in the OpenAPI schema (merged into the field's own @ApiProperty,
 * whichever order they are stacked in), so the document says what the validation enforces.
 * Each list below is in the order the stacked decorators it replaces registered in (a stack
 * applies bottom-up), which is the order of the validation messages a client gets.
 */

/** A required free-text field of an input body: a string, not empty, at most `max` long. */
export function IsRequiredText(max = TEXT_MAX): PropertyDecorator {
  return applyDecorators(
    MaxLength(max),
    IsNotEmpty(),
    IsString(),
    ApiProperty({ type: String, minLength: 1, maxLength: max }),
  );
}

/** An optional free-text field of an input body: absent, null, or a string at most `max` long. */
export function IsOptionalText(max = TEXT_MAX): PropertyDecorator {
  return applyDecorators(
    MaxLength(max),
    IsString(),
    IsOptional(),
    ApiProperty({ type: String, required: false, maxLength: max }),
  );
}
