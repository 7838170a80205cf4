import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** What a republish did for one customer. */
export class RepublishedCustomerDto {
  @ApiProperty({ example: '5b1be0107f2b1c0001a0e001' }) id!: string;
  @ApiProperty({
    enum: ['state', 'tombstone', 'not-found'],
    description:
      '`state`: the customer (without cards) was queued on accounts.customer.change; ' +
      '`tombstone`: the customer is deleted (or never existed and a replica version was ' +
      'given), a tombstone was queued; `not-found`: no such customer and no replica version',
  })
  outcome!: 'state' | 'tombstone' | 'not-found';
  @ApiPropertyOptional({ example: 3, description: 'The aggregate version the event carries' })
  version?: number;
}

export class RepublishReportDto {
  @ApiProperty({ type: [RepublishedCustomerDto] }) customers!: RepublishedCustomerDto[];
}
