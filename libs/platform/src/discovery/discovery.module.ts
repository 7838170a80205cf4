import { type DynamicModule, Module } from '@nestjs/common';
import { DISCOVERY_OPTIONS, DiscoveryClient, type DiscoveryOptions } from './discovery.client';

/**
 * Registers the app with the registry and provides `DiscoveryClient` everywhere (global, so
 * the gateway's proxy module injects it without importing this module again). The app's
 * config schema must include `discoveryConfigSchema.shape`.
 */
@Module({})
export class DiscoveryModule {
  static forRoot(options: DiscoveryOptions = {}): DynamicModule {
    return {
      module: DiscoveryModule,
      global: true,
      providers: [{ provide: DISCOVERY_OPTIONS, useValue: options }, DiscoveryClient],
      exports: [DiscoveryClient],
    };
  }
}
