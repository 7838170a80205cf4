import { RepublishBatch } from '@storefront/platform';
import { IsString, MaxLength } from 'class-validator';

/** Body of `POST /fulfillments/republish`. */
export class RepublishFulfillmentsDto {
  /** Document ids or order guids of the fulfillments whose status events orders lacks. */
  @RepublishBatch({ type: [String], example: ['5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f'] })
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  fulfillments!: string[];
}
