import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import {
  APP_CONFIG,
  CORRELATION_HEADER,
  DiscoveryClient,
  Metrics,
  sanitizeCorrelationId,
  type ServiceInstance,
} from '@storefront/platform';
import { Counter } from 'prom-client';
import type { GatewayConfig } from './gateway.config';
import { routesFrom } from './gateway.config';
import {
  bodyTooLarge,
  everyInstanceFailed,
  noInstance,
  notExposed,
  sendError,
  upstreamFailed,
  upstreamTimeout,
} from './gateway.errors';
import {
  classifyError,
  isConnectFailure,
  isExposed,
  isIdempotent,
  matchRoute,
  pickInstance,
  type RouteDefinition,
  statusForFailure,
  type UpstreamFailure,
} from './route.rules';
import { createUpstreamProxy, type ProxiedRequest } from './upstream.proxy';

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

/**
 * Forwards `/<prefix>/**` to an UP instance of the route's service, streaming request and
 * response bodies untouched. Round-robin per route; a connection failure (refused, connect
 * timeout) moves an idempotent, body-less request to the next instance, because nothing
 * reached the failed one. A read timeout is never retried: the upstream may have acted.
 * Upstream connections are kept alive and reused; one that turns out to have been closed by
 * the service while idle (a reset on a reused connection) is replaced once, on a new
 * connection, for the same idempotent, body-less requests.
 */
@Injectable()
export class GatewayProxy implements OnModuleDestroy {
  private readonly logger = new Logger('GatewayProxy');
  readonly routes: RouteDefinition[];
  private readonly counters = new Map<string, number>();
  private readonly refusedUntil = new Map<string, number>();
  private readonly proxies = new Map<RouteDefinition, RequestHandler>();
  private readonly outcomes: Counter<'route' | 'outcome'>;
  private readonly agent: Agent;

  constructor(
    @Inject(APP_CONFIG) private readonly config: GatewayConfig,
    private readonly directory: DiscoveryClient,
    metrics: Metrics,
  ) {
    this.routes = routesFrom(config);
    this.agent = new Agent({
      keepAlive: config.GATEWAY_UPSTREAM_IDLE_MS > 0,
      // An idle pooled socket is closed after this long (the agent destroys free sockets on
      // timeout); a request in flight sets its own read timeout on the socket instead.
      timeout: config.GATEWAY_UPSTREAM_IDLE_MS || undefined,
      scheduling: 'lifo',
    });
    for (const route of this.routes) this.proxies.set(route, this.createProxy(route));
    this.outcomes = new Counter({
      name: 'gateway_requests_total',
      help: 'Requests the gateway handled per route and outcome',
      labelNames: ['route', 'outcome'],
      registers: [metrics.registry],
    });
  }

  /** Express middleware mounted before Nest's router: non-route paths fall through to Nest. */
  handler(): RequestHandler {
    return (request: Request, response: Response, next: NextFunction) => {
      const match = matchRoute(request.url, this.routes);
      if (!match) return next();
      const proxied = request as ProxiedRequest;
      const correlationId = sanitizeCorrelationId(request.headers[CORRELATION_HEADER]);
      request.headers[CORRELATION_HEADER] = correlationId;
      response.setHeader(CORRELATION_HEADER, correlationId);
      if (!isExposed(match.upstreamPath)) {
        this.outcomes.labels(match.route.prefix, 'not_exposed').inc();
        return sendError(response, proxied, notExposed(request.originalUrl));
      }
      const length = Number(request.headers['content-length'] ?? 0);
      if (length > this.config.GATEWAY_MAX_BODY_BYTES) {
        this.outcomes.labels(match.route.prefix, 'too_large').inc();
        return sendError(response, proxied, bodyTooLarge(this.config.GATEWAY_MAX_BODY_BYTES));
      }
      proxied.gateway = {
        route: match.route,
        upstreamPath: match.upstreamPath,
        prefix: match.route.prefix,
        tried: new Set(),
        connectTimedOut: false,
        readTimedOut: false,
        reusedSocket: false,
        staleRetried: false,
      };
      this.forward(proxied, response, next);
    };
  }

  onModuleDestroy(): void {
    this.agent.destroy();
  }

  /** Instances per route right now, for /actuator/routes. */
  describeRoutes(): Array<RouteDefinition & { instances: ServiceInstance[] }> {
    return this.routes.map((route) => ({
      ...route,
      instances: this.directory.getInstances(route.serviceId),
    }));
  }

  private forward(request: ProxiedRequest, response: ServerResponse, next: NextFunction): void {
    const attempt = request.gateway!;
    const instances = this.directory.getInstances(attempt.route.serviceId);
    if (instances.length === 0) {
      this.outcomes.labels(attempt.prefix, 'no_instance').inc();
      return sendError(response, request, noInstance(attempt.route.serviceId));
    }
    const counter = this.counters.get(attempt.prefix) ?? 0;
    this.counters.set(attempt.prefix, counter + 1);
    const now = Date.now();
    const refused = new Set(
      [...this.refusedUntil].filter(([, until]) => until > now).map(([id]) => id),
    );
    const instance = pickInstance(instances, counter, attempt.tried, refused);
    if (!instance) return sendError(response, request, everyInstanceFailed());
    attempt.tried.add(instance.instanceId);
    attempt.instance = instance;
    attempt.connectTimedOut = false;
    attempt.readTimedOut = false;
    attempt.reusedSocket = false;
    void this.proxies.get(attempt.route)!(request as Request, response as Response, next);
  }

  private createProxy(route: RouteDefinition): RequestHandler {
    return createUpstreamProxy(route, {
      agent: this.agent,
      maxBodyBytes: this.config.GATEWAY_MAX_BODY_BYTES,
      onResponse: (attempt, statusCode) =>
        this.outcomes.labels(attempt.prefix, String(statusCode)).inc(),
      onError: (error, request, response) => this.onError(error, request, response),
    });
  }

  private onError(
    error: NodeJS.ErrnoException,
    request: ProxiedRequest,
    response: ServerResponse | Socket,
  ): void {
    const attempt = request.gateway;
    if (!attempt || !('writeHead' in response)) {
      response.destroy();
      return;
    }
    if (attempt.bodyTooLarge) {
      this.outcomes.labels(attempt.prefix, 'too_large').inc();
      return sendError(response, request, bodyTooLarge(this.config.GATEWAY_MAX_BODY_BYTES));
    }
    const failure: UpstreamFailure = classifyError(error, attempt);
    const instance = attempt.instance!;
    const replayable = isIdempotent(request.method) && !hasBody(request) && !response.headersSent;
    if (failure === 'reset' && attempt.reusedSocket && !attempt.staleRetried && replayable) {
      // The service closed this pooled connection while it sat idle; the instance itself is
      // fine, so it may take the request again, on a new connection: the other idle ones to
      // it are likely stale too (a restart closes them all), so they go.
      attempt.staleRetried = true;
      attempt.tried.delete(instance.instanceId);
      this.dropIdleConnections(instance);
      this.outcomes.labels(attempt.prefix, 'stale_connection').inc();
      this.forward(request, response, () => undefined);
      return;
    }
    if (isConnectFailure(failure)) {
      this.refusedUntil.set(
        instance.instanceId,
        Date.now() + this.config.GATEWAY_REFUSED_COOLDOWN_MS,
      );
      const untried = this.directory
        .getInstances(attempt.route.serviceId)
        .some((candidate) => !attempt.tried.has(candidate.instanceId));
      // With no instance left to try, the answer says what happened to the last one.
      if (replayable && untried) {
        this.logger.warn(
          `${instance.instanceId} ${failure}; retrying ${request.method} ${request.originalUrl} on another instance`,
        );
        this.outcomes.labels(attempt.prefix, 'retried').inc();
        this.forward(request, response, () => undefined);
        return;
      }
    }
    this.logger.warn(
      `${request.method} ${request.originalUrl} → ${instance.instanceId}: ${failure} (${error.message})`,
    );
    this.outcomes.labels(attempt.prefix, failure).inc();
    sendError(
      response,
      request,
      statusForFailure(failure) === 504
        ? upstreamTimeout(attempt.route.serviceId)
        : upstreamFailed(attempt.route.serviceId, failure),
    );
  }

  private dropIdleConnections(instance: ServiceInstance): void {
    const { hostname, port } = new URL(instance.url);
    const name = this.agent.getName({ host: hostname, port: Number(port) || 80 });
    for (const socket of this.agent.freeSockets[name] ?? []) socket.destroy();
  }
}
