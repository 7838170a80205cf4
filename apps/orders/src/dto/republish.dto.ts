import { RepublishBatch } from '@storefront/platform';
import { IsUUID } from 'class-validator';

/** Body of `POST /customers/fulfill/republish`. */
export class RepublishFulfillmentsDto {
  /** Guids of orders sent to fulfillment whose fulfillment never arrived. */
  @RepublishBatch({
    type: [String],
    format: 'uuid',
    example: ['5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f'],
  })
  @IsUUID(undefined, { each: true })
  orders!: string[];
}
