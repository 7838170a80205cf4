import { Catch, type ExceptionFilter, type INestApplication } from '@nestjs/common';
import { NestMicroservice } from '@nestjs/microservices';
import { type Observable, throwError } from 'rxjs';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthService } from '@storefront/platform';
import { KafkaConnection } from '../kafka/kafka-connection';
import { MessagingMetrics } from '../messaging.metrics';
import { KafkaConsumerHealthIndicator } from './kafka-consumer.health';
import { KafkaEventServer, type KafkaEventServerOptions } from './kafka-event.server';

/**
 * Nest's default RPC exception filter replaces every non-RpcException with a generic
 * "Internal server error"; the consumer needs the original error (its `DomainError` code,
 * `retryable` flag) to decide between retrying and dead-lettering.
 */
@Catch()
export class EventErrorPassthroughFilter implements ExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

/** Registers the consumer's readiness component, in an app built with the platform. */
function registerHealth(app: INestApplication, server: KafkaEventServer): void {
  let health: HealthService;
  let indicators: HealthIndicatorService;
  try {
    health = app.get(HealthService, { strict: false });
    indicators = app.get(HealthIndicatorService, { strict: false });
  } catch {
    return;
  }
  const indicator = new KafkaConsumerHealthIndicator(server, indicators);
  health.register({
    name: server.healthName,
    readiness: true,
    liveness: false,
    check: (key) => indicator.isHealthy(key),
  });
}

export type EventConsumerOptions = Omit<KafkaEventServerOptions, 'connection' | 'metrics'>;

/**
 * Adds the Kafka event consumer to an app and starts it (without waiting for the broker),
 * from the platform `configure` hook:
 *
 *     configure: (app) => startEventConsumer(app, { groupId: 'orders' })
 *
 * Handlers are the app's `@EventPattern(topic)` methods. The consumer is closed by
 * `app.close()` after the HTTP server and before `onApplicationShutdown` hooks run, i.e.
 * before the producer and the database connection close.
 */
export async function startEventConsumer(
  app: INestApplication,
  options: EventConsumerOptions,
): Promise<KafkaEventServer> {
  const server = new KafkaEventServer({
    ...options,
    connection: app.get(KafkaConnection),
    metrics: app.get(MessagingMetrics),
  });
  // Deferred so the filter is in place before the handlers are wrapped; the three calls
  // after it are what connectMicroservice does when not deferred. Init hooks already ran
  // (or will) for the shared container, so the microservice must not call them again.
  const microservice = app.connectMicroservice(
    { strategy: server },
    { inheritAppConfig: false, deferInitialization: true },
  );
  microservice.useGlobalFilters(new EventErrorPassthroughFilter());
  if (!(microservice instanceof NestMicroservice)) {
    throw new Error('unexpected microservice implementation; cannot register event handlers');
  }
  microservice.registerListeners();
  microservice.setIsInitialized(true);
  microservice.setIsInitHookCalled(true);
  registerHealth(app, server);
  await microservice.listen();
  return server;
}
