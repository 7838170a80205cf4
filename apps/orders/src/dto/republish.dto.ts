import { MAX_REPUBLISH_BATCH } from '@storefront/platform';
import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsUUID } from 'class-validator';

/** Body of `POST /customers/fulfill/republish`. */
export class RepublishFulfillmentsDto {
  /** Guids of orders sent to fulfillment whose fulfillment never arrived. */
  @ApiProperty({
    type: [String],
    format: 'uuid',
    minItems: 1,
    maxItems: MAX_REPUBLISH_BATCH,
    example: ['5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_REPUBLISH_BATCH)
  @IsUUID(undefined, { each: true })
  orders!: string[];
}
