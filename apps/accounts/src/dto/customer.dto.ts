import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  AddressSchema,
  ContactSchema,
  EXAMPLE_CONTACT,
  EXAMPLE_NAME,
  EXAMPLE_SHIPPING_ADDRESS,
  NameSchema,
} from '@storefront/events';
import { IsRequiredText, PatchForm, RequestForm } from '@storefront/model';
import { SortablePageQuery } from '@storefront/platform';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  CARD_EXPIRATION_PATTERN,
  CARD_NUMBER_PATTERN,
  CREDIT_CARD_TYPES,
  type CreditCardType,
  MASKED_CARD_NUMBER_PATTERN,
  MAX_VERSION,
  SORTABLE_FIELDS,
} from '../customer.rules';

/** Absent is fine, null is not: a merge patch may leave a required field out but not clear it. */
function IsOptionalButNotNull(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

const cardNumberPattern = new RegExp(
  `(${CARD_NUMBER_PATTERN.source})|(${MASKED_CARD_NUMBER_PATTERN.source})`,
);

/** A customer's name, field for field the contract's (the original's `Name`). */
export class NameDto extends RequestForm(NameSchema, EXAMPLE_NAME) {}

/** Phone numbers and e-mail, the contract's `Contact`; the e-mail is free text, as there. */
export class ContactDto extends RequestForm(ContactSchema, EXAMPLE_CONTACT) {}

/** A postal address, the contract's `Address`. */
export class AddressDto extends RequestForm(AddressSchema, EXAMPLE_SHIPPING_ADDRESS) {}

/** A payment card, the original's `CreditCard`. */
export class CreditCardDto {
  /** PRIMARY or ALTERNATE. */
  @ApiProperty({ enum: CREDIT_CARD_TYPES, example: 'PRIMARY' })
  @IsIn(CREDIT_CARD_TYPES)
  type!: CreditCardType;

  /** The card's brand or label. */
  @ApiProperty({ example: 'VISA' })
  @IsRequiredText()
  description!: string;

  /**
   * The full number (12 to 19 digits, spaces or dashes allowed), or the masked form a
   * response showed (`************0000`) to keep the stored card. Never returned in full.
   */
  @ApiProperty({
    example: '1234-6789-0000-0000',
    pattern: cardNumberPattern.source,
    description:
      'Full number on write (12-19 digits, spaces or dashes allowed), or the masked form ' +
      '`************0000` of a stored card to keep it. Responses always show it masked.',
  })
  @IsString()
  @Matches(cardNumberPattern, {
    message:
      'number must be a card number of 12 to 19 digits (spaces or dashes allowed), or the masked form ************1234 of a stored card',
  })
  number!: string;

  /** Expiry month and year, M/YY or MM/YYYY. */
  @ApiProperty({ example: '6/19', pattern: CARD_EXPIRATION_PATTERN.source })
  @IsString()
  @Matches(CARD_EXPIRATION_PATTERN, { message: 'expiration must look like M/YY or MM/YYYY' })
  expiration!: string;

  /** Name as printed on the card. */
  @ApiProperty({ example: 'John S. Doe' })
  @IsRequiredText()
  nameOnCard!: string;
}

/** Body of POST /customers and PUT /customers/{id}: a whole customer. */
export class CustomerDto {
  /** The customer's name. */
  @ApiProperty({ type: NameDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => NameDto)
  name!: NameDto;

  /** How to reach the customer. */
  @ApiProperty({ type: ContactDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ContactDto)
  contact!: ContactDto;

  /** Billing and shipping addresses (may be empty). */
  @ApiProperty({ type: [AddressDto] })
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AddressDto)
  addresses!: AddressDto[];

  /** Payment cards (may be empty). */
  @ApiProperty({ type: [CreditCardDto] })
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => CreditCardDto)
  creditCards!: CreditCardDto[];

  /**
   * On PUT: the version the client read; a stale one is refused with 409. Same as If-Match.
   * Ignored on POST.
   */
  @ApiPropertyOptional({ type: 'integer', example: 1, minimum: 1, maximum: MAX_VERSION })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_VERSION)
  version?: number;
}

/** Name fields of a merge patch: leave out what does not change; null clears an optional one. */
export class NamePatchDto extends PatchForm(NameDto, {
  title: 'Dr.',
  middleName: null,
  suffix: null,
}) {}

/** Contact fields of a merge patch. */
export class ContactPatchDto extends PatchForm(ContactDto, {
  primaryPhone: '555-000-1111',
  secondaryPhone: null,
  email: 'john.doe@example.com',
}) {}

/**
 * Body of PATCH /customers/{id}, a JSON merge patch (RFC 7396) like Spring Data REST's:
 * objects merge field by field, arrays replace the stored ones.
 */
export class PatchCustomerDto {
  /** Name fields to change. */
  @ApiPropertyOptional({ type: NamePatchDto })
  @IsOptionalButNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => NamePatchDto)
  name?: NamePatchDto;

  /** Contact fields to change. */
  @ApiPropertyOptional({ type: ContactPatchDto })
  @IsOptionalButNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => ContactPatchDto)
  contact?: ContactPatchDto;

  /** The new list of addresses, replacing the stored one. */
  @ApiPropertyOptional({ type: [AddressDto] })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AddressDto)
  addresses?: AddressDto[];

  /** The new list of cards; masked numbers keep the stored cards they name. */
  @ApiPropertyOptional({ type: [CreditCardDto] })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => CreditCardDto)
  creditCards?: CreditCardDto[];

  /** The version the client read; a stale one is refused with 409. Same as If-Match. */
  @ApiPropertyOptional({ type: 'integer', example: 1, minimum: 1, maximum: MAX_VERSION })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_VERSION)
  version?: number;
}

/** `GET /customers?page&size&sort`: sorting on the fields customer.rules allows. */
export class CustomerPageQueryDto extends SortablePageQuery(Object.keys(SORTABLE_FIELDS)) {}

/** `/customers/{id}`. */
export class CustomerIdParams {
  /** The customer id, a Mongo ObjectId in hex; any other id names no customer (404). */
  @ApiProperty({ example: '5b1be0107f2b1c0001a0e001', maxLength: 64 })
  @IsString()
  @MaxLength(64)
  id!: string;
}
