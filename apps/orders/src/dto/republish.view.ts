import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** What re-emitting one fulfillment request did. */
export class RepublishedRequestView {
  @ApiProperty({ example: '5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f' }) guid!: string;
  @ApiProperty({
    enum: ['requested', 'not-found', 'not-requestable'],
    description:
      '`requested`: the request was queued again on orders.order.fulfill; `not-found`: no such ' +
      'order; `not-requestable`: see `reason` (never sent, or no longer APPROVED)',
  })
  outcome!: 'requested' | 'not-found' | 'not-requestable';
  @ApiPropertyOptional({ example: 'the order was never sent for fulfillment' }) reason?: string;
}

export class RepublishedRequestsView {
  @ApiProperty({ type: [RepublishedRequestView] }) orders!: RepublishedRequestView[];
}
