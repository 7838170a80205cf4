import { Controller, Get, Header, Inject } from '@nestjs/common';
import { APP_CONFIG, APP_INFO, type AppInfo } from '@storefront/platform';
import { renderDashboard } from './dashboard.view';
import type { RegistryConfig } from './registry.config';
import { RegistryService } from './registry.service';

/** The human view of the registry, like Eureka's page on `/`. */
@Controller()
export class DashboardController {
  constructor(
    private readonly registry: RegistryService,
    @Inject(APP_CONFIG) private readonly config: RegistryConfig,
    @Inject(APP_INFO) private readonly info: AppInfo,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  dashboard(): string {
    return renderDashboard({
      now: Date.now(),
      environment: this.info.environment,
      version: this.info.version,
      nodeVersion: process.version,
      startedAt: this.registry.startedAt,
      leaseDurationMs: this.config.LEASE_DURATION_MS,
      evictionIntervalMs: this.config.LEASE_EVICTION_INTERVAL_MS,
      refreshSeconds: this.config.DASHBOARD_REFRESH_SECONDS,
      peers: this.registry.peerStates,
      records: this.registry.records(),
    });
  }
}
