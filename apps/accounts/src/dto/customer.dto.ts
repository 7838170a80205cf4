import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ADDRESS_TYPES, type AddressType } from '@storefront/events';
import { IsOptionalText, IsRequiredText } from '@storefront/model';
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

/** A customer's name, field for field the original's `Name`. */
export class NameDto {
  /** Courtesy title. */
  @ApiProperty({ example: 'Mr.' })
  @IsRequiredText()
  title!: string;

  /** Given name. */
  @ApiProperty({ example: 'John' })
  @IsRequiredText()
  firstName!: string;

  /** Middle name or initial; null or absent when there is none. */
  @ApiPropertyOptional({ example: 'S.', nullable: true, type: String })
  @IsOptionalText()
  middleName?: string | null;

  /** Family name. */
  @ApiProperty({ example: 'Doe' })
  @IsRequiredText()
  lastName!: string;

  /** Name suffix; null or absent when there is none. */
  @ApiPropertyOptional({ example: 'Jr.', nullable: true, type: String })
  @IsOptionalText()
  suffix?: string | null;
}

/** Phone numbers and e-mail, the original's `Contact`. */
export class ContactDto {
  /** Main phone number, free text. */
  @ApiProperty({ example: '555-666-7777' })
  @IsRequiredText()
  primaryPhone!: string;

  /** Other phone number; null or absent when there is none. */
  @ApiPropertyOptional({ example: '555-444-9898', nullable: true, type: String })
  @IsOptionalText()
  secondaryPhone?: string | null;

  /** E-mail address (free text, as in the original and the event contract). */
  @ApiProperty({ example: 'john.doe@internet.com' })
  @IsRequiredText()
  email!: string;
}

/** A postal address, the original's `Address`. */
export class AddressDto {
  /** What the address is for. */
  @ApiProperty({ enum: ADDRESS_TYPES, example: 'SHIPPING' })
  @IsIn(ADDRESS_TYPES)
  type!: AddressType;

  /** The customer's label for the address. */
  @ApiProperty({ example: 'My home address' })
  @IsRequiredText()
  description!: string;

  /** Street line. */
  @ApiProperty({ example: '123 Oak Street' })
  @IsRequiredText()
  address1!: string;

  /** Second street line; null or absent when there is none. */
  @ApiPropertyOptional({ example: null, nullable: true, type: String })
  @IsOptionalText()
  address2?: string | null;

  /** City. */
  @ApiProperty({ example: 'Sunrise' })
  @IsRequiredText()
  city!: string;

  /** State code. */
  @ApiProperty({ example: 'CA' })
  @IsRequiredText()
  state!: string;

  /** Postal code as text (the original's samples include "444556-9090"). */
  @ApiProperty({ example: '12345-6789' })
  @IsRequiredText()
  postalCode!: string;
}

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
export class NamePatchDto {
  /** Courtesy title. */
  @ApiPropertyOptional({ example: 'Dr.' })
  @IsOptionalButNotNull()
  @IsRequiredText()
  title?: string;

  /** Given name. */
  @ApiPropertyOptional({ example: 'John' })
  @IsOptionalButNotNull()
  @IsRequiredText()
  firstName?: string;

  /** Middle name; null clears it. */
  @ApiPropertyOptional({ example: null, nullable: true, type: String })
  @IsOptionalText()
  middleName?: string | null;

  /** Family name. */
  @ApiPropertyOptional({ example: 'Doe' })
  @IsOptionalButNotNull()
  @IsRequiredText()
  lastName?: string;

  /** Name suffix; null clears it. */
  @ApiPropertyOptional({ example: null, nullable: true, type: String })
  @IsOptionalText()
  suffix?: string | null;
}

/** Contact fields of a merge patch. */
export class ContactPatchDto {
  /** Main phone number. */
  @ApiPropertyOptional({ example: '555-000-1111' })
  @IsOptionalButNotNull()
  @IsRequiredText()
  primaryPhone?: string;

  /** Other phone number; null clears it. */
  @ApiPropertyOptional({ example: null, nullable: true, type: String })
  @IsOptionalText()
  secondaryPhone?: string | null;

  /** E-mail address. */
  @ApiPropertyOptional({ example: 'john.doe@example.com' })
  @IsOptionalButNotNull()
  @IsRequiredText()
  email?: string;
}

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
