import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ServiceInstance } from '@storefront/platform';
import type { RequestHandler } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { RouteDefinition } from './route.rules';

/** Per-request proxy state, kept on the request object across retries. */
export interface Attempt {
  route: RouteDefinition;
  upstreamPath: string;
  prefix: string;
  tried: Set<string>;
  instance?: ServiceInstance;
  connectTimedOut: boolean;
  readTimedOut: boolean;
  /** The current try went out on a pooled connection opened by an earlier request. */
  reusedSocket: boolean;
  /** A stale pooled connection was already replaced once for this request. */
  staleRetried: boolean;
  bodyTooLarge?: boolean;
}

export type ProxiedRequest = IncomingMessage & { gateway?: Attempt; originalUrl?: string };

export interface UpstreamProxyOptions {
  /** The keep-alive pool every route's upstream connections share. */
  readonly agent: Agent;
  readonly maxBodyBytes: number;
  /** The upstream answered, with this status. */
  readonly onResponse: (attempt: Attempt, statusCode: number) => void;
  /** The try failed: no answer, a timeout, a cut connection or a body over the limit. */
  readonly onError: (
    error: NodeJS.ErrnoException,
    request: ProxiedRequest,
    response: ServerResponse | Socket,
  ) => void;
}

/**
 * The http-proxy-middleware of one route: sends a request to the instance its attempt picked,
 * at the stripped path, with `X-Forwarded-*` headers, the route's connect and read timeouts
 * and the body limit enforced on streamed bodies too. Choosing the instance and deciding what
 * a failure means is the caller's.
 */
export function createUpstreamProxy(
  route: RouteDefinition,
  options: UpstreamProxyOptions,
): RequestHandler {
  return createProxyMiddleware<IncomingMessage, ServerResponse>({
    router: (request) => (request as ProxiedRequest).gateway!.instance!.url,
    pathRewrite: (_path, request) => (request as ProxiedRequest).gateway!.upstreamPath,
    changeOrigin: false,
    xfwd: false,
    agent: options.agent,
    proxyTimeout: route.readTimeoutMs,
    on: {
      proxyReq: (proxyRequest, request) =>
        onProxyRequest(proxyRequest, request, options.maxBodyBytes),
      proxyRes: (proxyResponse, request) =>
        options.onResponse((request as ProxiedRequest).gateway!, proxyResponse.statusCode ?? 0),
      error: (error, request, response) => options.onError(error, request, response),
    },
  });
}

function onProxyRequest(
  proxyRequest: ClientRequest,
  request: ProxiedRequest,
  maxBodyBytes: number,
): void {
  const attempt = request.gateway!;
  const remote = request.socket.remoteAddress ?? '';
  const forwardedFor = request.headers['x-forwarded-for'];
  proxyRequest.setHeader(
    'x-forwarded-for',
    forwardedFor ? `${String(forwardedFor)}, ${remote}` : remote,
  );
  proxyRequest.setHeader(
    'x-forwarded-proto',
    String(request.headers['x-forwarded-proto'] ?? 'http'),
  );
  proxyRequest.setHeader(
    'x-forwarded-host',
    String(request.headers['x-forwarded-host'] ?? request.headers.host ?? ''),
  );
  proxyRequest.setHeader('x-forwarded-prefix', attempt.prefix);
  // Registered here, right before http-proxy pipes the body, so no chunk is missed.
  limitStreamedBody(request, proxyRequest, maxBodyBytes);
  proxyRequest.once('timeout', () => {
    attempt.readTimedOut = true;
  });
  // http-proxy emits proxyReq from the request's 'socket' event: the socket is there now.
  const socket = proxyRequest.socket;
  if (socket) watchSocket(proxyRequest, socket, attempt);
  else proxyRequest.once('socket', (later: Socket) => watchSocket(proxyRequest, later, attempt));
}

/** Notes a pooled socket, and bounds the time a new one may take to connect. */
function watchSocket(proxyRequest: ClientRequest, socket: Socket, attempt: Attempt): void {
  attempt.reusedSocket = proxyRequest.reusedSocket;
  if (!socket.connecting) return;
  const timer = setTimeout(() => {
    attempt.connectTimedOut = true;
    proxyRequest.destroy(new Error(`connect timeout after ${attempt.route.connectTimeoutMs} ms`));
  }, attempt.route.connectTimeoutMs);
  socket.once('connect', () => clearTimeout(timer));
  socket.once('close', () => clearTimeout(timer));
}

/** Counts streamed (chunked) bodies too: Content-Length alone can be absent. */
function limitStreamedBody(
  request: ProxiedRequest,
  proxyRequest: ClientRequest,
  maxBodyBytes: number,
): void {
  if (request.headers['transfer-encoding'] === undefined) return;
  let received = 0;
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (received <= maxBodyBytes) return;
    request.off('data', onData);
    request.gateway!.bodyTooLarge = true;
    proxyRequest.destroy(new Error('request body too large'));
  };
  request.on('data', onData);
}
