import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { FULFILLMENT_STEPS, type FulfillmentStep } from '../fulfillment.rules';

/** `/fulfillments/sample/{step}`. */
export class SampleStepParams {
  /** The step: process (APPROVED→PROCESSING), ship, in-transit or receive. */
  @ApiProperty({ enum: FULFILLMENT_STEPS, example: 'process' })
  @IsIn(FULFILLMENT_STEPS)
  step!: FulfillmentStep;
}

/** `/fulfillments/{id}/{step}`. */
export class FulfillmentStepParams extends SampleStepParams {
  /** The fulfillment's document id (24 hex digits) or its order guid (a UUID). */
  @ApiProperty({ example: '5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f', maxLength: 64 })
  @IsString()
  @MaxLength(64)
  id!: string;
}

/** `/fulfillments/{id}`. */
export class FulfillmentIdParams {
  /** The fulfillment's document id (24 hex digits) or its order guid (a UUID). */
  @ApiProperty({ example: '5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f', maxLength: 64 })
  @IsString()
  @MaxLength(64)
  id!: string;
}
