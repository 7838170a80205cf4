import {
  DynamicModule,
  Global,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnApplicationShutdown,
  Provider,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { NextFunction, Request, Response } from 'express';
import { APP_CONFIG, type BaseConfig } from './config/config';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { ActuatorController } from './observability/actuator.controller';
import { APP_INFO, type AppInfo } from './observability/app-info';
import { loggerParams } from './observability/logging';
import { Metrics } from './observability/metrics';
import {
  CORRELATION_HEADER,
  runWithContext,
  sanitizeCorrelationId,
} from './observability/request-context';

export interface PlatformOptions {
  info: AppInfo;
  config: BaseConfig;
}

/**
 * What every app shares: validated config, JSON logging with correlation ids, health,
 * info and Prometheus endpoints. Global, so feature modules inject these without importing.
 */
@Global()
@Module({})
export class PlatformModule implements NestModule, OnApplicationShutdown {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: Metrics,
  ) {}

  static forRoot(options: PlatformOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: options.config },
      { provide: APP_INFO, useValue: options.info },
      { provide: Metrics, useValue: new Metrics(options.info.name) },
      HealthService,
    ];
    // terminus' own logging is off: it would log an error on every probe of a failing check
    // (several a minute); the registry client logs the changes of readiness instead.
    const terminus = TerminusModule.forRoot({ logger: false });
    return {
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot(loggerParams(options.info.name, options.config.LOG_LEVEL)),
        terminus,
      ],
      controllers: [HealthController, ActuatorController],
      providers,
      // terminus too: modules build their indicators with its HealthIndicatorService.
      exports: [...providers, terminus],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((request: Request, response: Response, next: NextFunction) => {
        const correlationId = sanitizeCorrelationId(request.headers[CORRELATION_HEADER]);
        request.headers[CORRELATION_HEADER] = correlationId;
        response.setHeader(CORRELATION_HEADER, correlationId);
        const traceparent = request.headers.traceparent;
        const started = process.hrtime.bigint();
        response.on('finish', () => {
          const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
          this.metrics.httpDuration
            .labels(request.method, route, String(response.statusCode))
            .observe(Number(process.hrtime.bigint() - started) / 1e9);
        });
        runWithContext(
          { correlationId, traceparent: typeof traceparent === 'string' ? traceparent : undefined },
          next,
        );
      })
      .forRoutes('*');
  }

  onApplicationShutdown(): void {
    this.health.markShuttingDown();
  }
}
