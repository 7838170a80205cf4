import { ApiProperty } from '@nestjs/swagger';

export class SampleOrdersReportView {
  /** The original's sentence. */
  @ApiProperty({ example: 'Sample orders added to customer orders' }) message!: string;
  /** Customers that got sample orders. */
  @ApiProperty({ example: 3 }) customers!: number;
  /** Orders added in all. */
  @ApiProperty({ example: 15 }) orders!: number;
}

export class SentOrderView {
  /** Customer id. */
  @ApiProperty({ example: '5b1be0107f2b1c0001a0e001' }) customerId!: string;
  /** Order guid, the key of the fulfillment request. */
  @ApiProperty({ example: '5f900d92-4a3b-4c2d-8e1f-0a1b2c3d4e5f' }) guid!: string;
}

export class SkippedOrderView extends SentOrderView {
  /** Why the order was not sent. */
  @ApiProperty({ example: 'the customer has no SHIPPING address' }) reason!: string;
}

export class FulfillmentReportView {
  /** The original's sentence. */
  @ApiProperty({ example: "All 'Approved' orders sent for fulfillment" }) message!: string;
  /** Orders queued for fulfillment by this call. */
  @ApiProperty({ type: [SentOrderView] }) sent!: SentOrderView[];
  /** APPROVED orders that could not be sent, with the reason. */
  @ApiProperty({ type: [SkippedOrderView] }) skipped!: SkippedOrderView[];
}
