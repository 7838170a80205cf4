import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import {
  basicCredentials,
  type DiscoveryConfig,
  splitUrlCredentials,
  sameSecret,
} from '@storefront/platform';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { GatewayConfig } from './gateway.config';
import { adminKeyRefused, notExposed, registryUnreachable, sendError } from './gateway.errors';

/** Where the gateway serves the registry's dashboard: the registry's own port stays unpublished. */
export const REGISTRY_DASHBOARD_PREFIX = '/admin/registry';

const ADMIN_REALM = 'storefront-admin';

/**
 * The registry paths reachable under the prefix: the dashboard page, the registry's JSON reads
 * and its public health. Nothing else (the actuator internals, the writes) goes through.
 */
export function dashboardUpstreamPath(method: string, path: string): string | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const [pathname = '', query] = path.split('?', 2);
  const allowed =
    pathname === '/' ||
    pathname === '/actuator/health' ||
    /^\/eureka\/(apps|instances|vips|svips)(\/[\w.:%@-]+)*\/?$/.test(pathname);
  if (!allowed || pathname.includes('..')) return undefined;
  return query === undefined ? pathname : `${pathname}?${query}`;
}

/** The admin key from `X-API-Key`, or from HTTP Basic's password so a browser can log in. */
export function givenAdminKey(headers: IncomingMessage['headers']): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string') return header;
  return basicCredentials(headers.authorization)?.password;
}

/**
 * `/admin/registry/` → the registry's dashboard and its JSON, read-only, behind the admin key
 * (X-API-Key, or HTTP Basic with the key as password: the browser asks for it). Without an
 * ADMIN_API_KEY the path is open, like every admin endpoint of the local demo.
 */
export function registryDashboard(config: GatewayConfig & DiscoveryConfig): RequestHandler {
  const logger = new Logger('RegistryDashboard');
  // The registry's base URL, without any credentials EUREKA_URL carries (reads need none).
  const target = splitUrlCredentials(config.EUREKA_URL[0]).url.replace(/\/eureka$/, '');
  const proxy = createProxyMiddleware<Request, Response>({
    target,
    changeOrigin: true,
    xfwd: true,
    proxyTimeout: config.GATEWAY_READ_TIMEOUT_MS,
    timeout: config.GATEWAY_READ_TIMEOUT_MS,
    on: {
      proxyReq: (proxyRequest) => {
        // The admin key stays here; the registry's reads need no credentials.
        proxyRequest.removeHeader('authorization');
        proxyRequest.removeHeader('x-api-key');
        proxyRequest.removeHeader('cookie');
      },
      error: (error, request, response) => {
        logger.warn(`registry dashboard: ${error.message}`);
        if (response instanceof Object && 'writeHead' in response) {
          sendError(response as ServerResponse, request, registryUnreachable());
        }
      },
    },
  });
  return (request: Request, response: Response, next: NextFunction) => {
    // Mounted at the prefix: request.url is the rest of the path.
    if (request.originalUrl.split('?')[0] === REGISTRY_DASHBOARD_PREFIX) {
      response.redirect(301, `${REGISTRY_DASHBOARD_PREFIX}/`);
      return;
    }
    const expected = config.ADMIN_API_KEY;
    if (expected !== undefined) {
      const given = givenAdminKey(request.headers);
      if (given === undefined || !sameSecret(given, expected)) {
        response.setHeader('WWW-Authenticate', `Basic realm="${ADMIN_REALM}", charset="UTF-8"`);
        return sendError(response, request, adminKeyRefused(given !== undefined));
      }
    }
    const upstreamPath = dashboardUpstreamPath(request.method, request.url);
    if (upstreamPath === undefined) {
      return sendError(
        response,
        request,
        notExposed(request.originalUrl, 'read-only registry pages only'),
      );
    }
    request.url = upstreamPath;
    return proxy(request, response, next);
  };
}
