import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type FulfillmentRequested, Topics } from '@storefront/events';
import { KafkaEventContext } from '@storefront/messaging';
import { type AcceptOutcome, FulfillmentService } from './fulfillment.service';

/** Consumer group `fulfillment`: the fulfillment requests orders sends for approved orders. */
@Controller()
export class FulfillmentConsumer {
  constructor(private readonly fulfillments: FulfillmentService) {}

  /** Payloads arrive validated against the contract; a duplicate request is a no-op. */
  @EventPattern(Topics.OrderFulfill)
  async onFulfillmentRequested(
    @Payload() request: FulfillmentRequested,
    @Ctx() _context: KafkaEventContext,
  ): Promise<AcceptOutcome> {
    return this.fulfillments.accept(request);
  }
}
