import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { APP_CONFIG, createRandom, RANDOM_SOURCE } from '@storefront/platform';
import { FulfillmentConsumer } from './fulfillment.consumer';
import { FulfillmentController } from './fulfillment.controller';
import { FulfillmentService } from './fulfillment.service';
import { Fulfillment, FulfillmentSchema } from './schemas/fulfillment.schema';
import { FulfillmentKey, FulfillmentKeySchema } from './schemas/fulfillment-key.schema';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Fulfillment.name, schema: FulfillmentSchema },
      { name: FulfillmentKey.name, schema: FulfillmentKeySchema },
    ]),
  ],
  controllers: [FulfillmentController, FulfillmentConsumer],
  providers: [
    FulfillmentService,
    {
      provide: RANDOM_SOURCE,
      inject: [APP_CONFIG],
      useFactory: (config: { SAMPLE_SEED?: number }) => createRandom(config.SAMPLE_SEED),
    },
  ],
})
export class FulfillmentModule {}
