import { RepublishBatch } from '@storefront/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { MAX_VERSION } from '../customer.rules';

/** Optional body of `POST /customers/{id}/republish`. */
export class RepublishCustomerDto {
  /**
   * The version the replica holds, when it holds the current version or a later one with
   * other content: the event then carries the next version above it (the owner's version
   * moves forward with it), since replicas ignore a version they already have. Leave it out
   * to re-emit at the current version.
   */
  @ApiPropertyOptional({ example: 3, minimum: 0, maximum: MAX_VERSION })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_VERSION)
  replicaVersion?: number;
}

export class RepublishCustomerItemDto extends RepublishCustomerDto {
  /** The customer id. */
  @ApiProperty({ example: '5b1be0107f2b1c0001a0e001', maxLength: 64 })
  @IsString()
  @MaxLength(64)
  id!: string;
}

/** Body of `POST /customers/republish`. */
export class RepublishCustomersDto {
  /** The customers to re-emit, each with the version its replica holds when that matters. */
  @RepublishBatch({ type: [RepublishCustomerItemDto] })
  @ValidateNested({ each: true })
  @Type(() => RepublishCustomerItemDto)
  customers!: RepublishCustomerItemDto[];
}
