import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { APP_CONFIG, createRandom, RANDOM_SOURCE } from '@storefront/platform';
import { CustomerOrdersesController } from './customer-orderses.controller';
import { CustomersService } from './customers.service';
import { LegacyLayoutMigration } from './orders.migration';
import { OrdersConsumer } from './orders.consumer';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';
import { SampleOrdersService } from './sample-orders.service';
import { CustomerOrder, CustomerOrderSchema } from './schemas/customer-order.schema';
import { CustomerReplica, CustomerReplicaSchema } from './schemas/customer-replica.schema';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: CustomerReplica.name, schema: CustomerReplicaSchema },
      { name: CustomerOrder.name, schema: CustomerOrderSchema },
    ]),
  ],
  controllers: [OrdersController, CustomerOrdersesController, OrdersConsumer],
  providers: [
    OrdersService,
    SampleOrdersService,
    CustomersService,
    LegacyLayoutMigration,
    {
      provide: RANDOM_SOURCE,
      inject: [APP_CONFIG],
      // SAMPLE_SEED makes the sample orders' items repeatable (tests, demos).
      useFactory: (config: { SAMPLE_SEED?: number }) => createRandom(config.SAMPLE_SEED),
    },
  ],
})
export class OrdersModule {}
