import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { APP_CONFIG } from '@storefront/platform';
import type { z } from 'zod';
import { CardCipher, type cardEncryptionConfigSchema } from './card.cipher';
import { CustomersController } from './customers.controller';
import { CustomersService } from './customers.service';
import { Customer, CustomerSchema } from './schemas/customer.schema';

@Module({
  imports: [MongooseModule.forFeature([{ name: Customer.name, schema: CustomerSchema }])],
  controllers: [CustomersController],
  providers: [
    CustomersService,
    {
      provide: CardCipher,
      inject: [APP_CONFIG],
      useFactory: (config: z.infer<typeof cardEncryptionConfigSchema>) =>
        new CardCipher(config.CARD_ENCRYPTION_KEY),
    },
  ],
})
export class CustomersModule {}
