import { Module } from '@nestjs/common';
import { GatewayController } from './gateway.controller';
import { GatewayProxy } from './gateway.proxy';

@Module({
  controllers: [GatewayController],
  providers: [GatewayProxy],
  exports: [GatewayProxy],
})
export class GatewayModule {}
