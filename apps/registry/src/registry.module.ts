import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';
import { EurekaController } from './eureka.controller';
import { PeerReplicationService } from './peer-replication.service';
import { RegistryService } from './registry.service';

@Module({
  controllers: [EurekaController, DashboardController],
  providers: [RegistryService, PeerReplicationService],
})
export class RegistryModule {}
