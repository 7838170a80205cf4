import { ApiProperty } from '@nestjs/swagger';

/** What re-emitting one fulfillment's status events did. */
export class RepublishedStatusView {
  @ApiProperty({ example: '5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f' }) id!: string;
  @ApiProperty({ enum: ['republished', 'not-found'] }) outcome!: 'republished' | 'not-found';
  @ApiProperty({ example: 3, description: 'Status events queued on fulfillment.order.change' })
  events!: number;
}

export class RepublishedStatusesView {
  @ApiProperty({ type: [RepublishedStatusView] }) fulfillments!: RepublishedStatusView[];
}
