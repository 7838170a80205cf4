import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { APP_CONFIG, createRandom, RANDOM_SOURCE } from '@storefront/platform';
import { CustomerOrdersesController } from './customer-orderses.controller';
import { CustomersService } from './customers.service';
import { OrdersConsumer } from './orders.consumer';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';
import { CustomerOrders, CustomerOrdersSchema } from './schemas/customer-orders.schema';
import { OrderKey, OrderKeySchema } from './schemas/order-key.schema';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: CustomerOrders.name, schema: CustomerOrdersSchema },
      { name: OrderKey.name, schema: OrderKeySchema },
    ]),
  ],
  controllers: [OrdersController, CustomerOrdersesController, OrdersConsumer],
  providers: [
    OrdersService,
    CustomersService,
    {
      provide: RANDOM_SOURCE,
      inject: [APP_CONFIG],
      // SAMPLE_SEED makes the sample orders' items repeatable (tests, demos).
      useFactory: (config: { SAMPLE_SEED?: number }) => createRandom(config.SAMPLE_SEED),
    },
  ],
})
export class OrdersModule {}
