import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { isPrice, MAX_PRICE } from '@storefront/events';
import { IsOptionalText, IsRequiredText } from '@storefront/model';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { ORDER_ACTIONS, type OrderAction } from '../order.rules';

export const MAX_QUANTITY = 1000;
export const MAX_ORDER_LINES = 50;

/** A JSON number, at least 0, with at most two decimals: exact to the cent. */
function IsPrice(): PropertyDecorator {
  return ValidateBy({
    name: 'isPrice',
    validator: {
      validate: (value: unknown) => typeof value === 'number' && isPrice(value),
      defaultMessage: () =>
        `$property must be a number from 0 to ${MAX_PRICE} with at most two decimals`,
    },
  });
}

/**
 * The order's total (Σ price × quantity) is a price too, bounded like one: 50 lines of 1000
 * units at the largest unit price would total far more, and computing it failed (a 500).
 */
function TotalAtMostMaxPrice(): PropertyDecorator {
  const maxCents = Math.round(MAX_PRICE * 100);
  return ValidateBy({
    name: 'totalAtMostMaxPrice',
    validator: {
      validate: (lines: unknown) =>
        !Array.isArray(lines) ||
        lines.reduce((cents: number, line: Partial<OrderItemDto> | null) => {
          const price = line?.product?.price;
          const quantity = line?.quantity;
          return typeof price === 'number' && isPrice(price) && Number.isInteger(quantity)
            ? cents + Math.round(price * 100) * (quantity as number)
            : cents;
        }, 0) <= maxCents,
      defaultMessage: () => `$property must total at most ${MAX_PRICE} (Σ price × quantity)`,
    },
  });
}

/** A product as ordered, the original's orders-side `Product`. */
export class ProductDto {
  /** Product id (the sample catalogue uses UUIDs). */
  @ApiProperty({ example: '7f3c9c22-3c0a-47a5-9a92-2bd2e23f6e37' })
  @IsRequiredText(100)
  guid!: string;

  /** Product name. */
  @ApiProperty({ example: 'Green Widget' })
  @IsRequiredText()
  title!: string;

  /** Product description. */
  @ApiProperty({ example: 'Gorgeous Green Widget' })
  @IsRequiredText()
  description!: string;

  /** Unit price in dollars, a number with at most two decimals (stored exactly as "11.99"). */
  @ApiProperty({ example: 11.99, minimum: 0, maximum: MAX_PRICE })
  @IsPrice()
  price!: number;
}

/** One order line. */
export class OrderItemDto {
  @ApiProperty({ type: ProductDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ProductDto)
  product!: ProductDto;

  /** Units ordered. */
  @ApiProperty({ example: 2, minimum: 1, maximum: MAX_QUANTITY })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;
}

/** `POST /customers/{id}/orders`: a new order starts as CREATED. */
export class CreateOrderDto {
  /** What is ordered: 1 to 50 lines, totalling at most the largest price. */
  @ApiProperty({
    type: [OrderItemDto],
    minItems: 1,
    maxItems: MAX_ORDER_LINES,
    description: `1 to ${MAX_ORDER_LINES} lines; Σ price × quantity at most ${MAX_PRICE}`,
  })
  @TotalAtMostMaxPrice()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ORDER_LINES)
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  orderItems!: OrderItemDto[];
}

/** Optional body of approve / reject / cancel. */
export class OrderActionDto {
  /** Why, recorded in the status history (e.g. "Primary credit card expired"). */
  @ApiPropertyOptional({ example: 'Primary credit card expired', nullable: true, type: String })
  @IsOptionalText(500)
  note?: string | null;
}

/** `/customers/{id}/...`. */
export class CustomerIdParams {
  /** The accounts customer id. */
  @ApiProperty({ example: '5b1be0107f2b1c0001a0e001', maxLength: 64 })
  @IsString()
  @MaxLength(64)
  id!: string;
}

/** `/customers/{id}/orders/{guid}/...`. */
export class OrderParams extends CustomerIdParams {
  /** The order guid (UUID). */
  @ApiProperty({ example: '5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f', format: 'uuid' })
  @IsUUID()
  guid!: string;
}

/** `/customers/{id}/orders/{guid}/{action}`. */
export class OrderActionParams extends OrderParams {
  /** approve (CREATED → APPROVED), reject (CREATED → REJECTED) or cancel (APPROVED → CANCELLED). */
  @ApiProperty({ enum: Object.keys(ORDER_ACTIONS), example: 'approve' })
  @IsIn(Object.keys(ORDER_ACTIONS))
  action!: OrderAction;
}
