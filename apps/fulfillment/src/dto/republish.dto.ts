import { MAX_REPUBLISH_BATCH } from '@storefront/platform';
import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, MaxLength } from 'class-validator';

/** Body of `POST /fulfillments/republish`. */
export class RepublishFulfillmentsDto {
  /** Document ids or order guids of the fulfillments whose status events orders lacks. */
  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: MAX_REPUBLISH_BATCH,
    example: ['5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_REPUBLISH_BATCH)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  fulfillments!: string[];
}
