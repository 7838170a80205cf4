import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type CustomerChanged, type OrderStatusChanged, Topics } from '@storefront/events';
import { KafkaEventContext } from '@storefront/messaging';
import { CustomersService, type ReplicaOutcome } from './customers.service';
import { OrdersService, type StatusOutcome } from './orders.service';

/**
 * Consumer group `orders`. Payloads arrive validated against the contract; the return value
 * is the outcome the consumer records. A thrown `ORDERS.ILLEGAL_TRANSITION` is dead-lettered
 * at once; `ORDERS.ORDER_NOT_FOUND` is retried first (the customer replica may lag).
 */
@Controller()
export class OrdersConsumer {
  constructor(
    private readonly customers: CustomersService,
    private readonly orders: OrdersService,
  ) {}

  @EventPattern(Topics.CustomerChange)
  onCustomerChanged(
    @Payload() customer: CustomerChanged | null,
    @Ctx() context: KafkaEventContext,
  ): Promise<ReplicaOutcome> {
    if (context.isTombstone || customer === null) {
      return this.customers.applyCustomerDeleted(context.key, context.aggregateVersion);
    }
    return this.customers.applyCustomerChanged(customer, context.aggregateVersion);
  }

  @EventPattern(Topics.OrderStatusChange)
  onOrderStatusChanged(
    @Payload() event: OrderStatusChanged,
    @Ctx() context: KafkaEventContext,
  ): Promise<StatusOutcome> {
    return this.orders.applyStatusChanged(event, context.eventId);
  }
}
