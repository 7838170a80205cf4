import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { CORRELATION_HEADER, currentContext, sanitizeCorrelationId } from './request-context';

/** Structured JSON logs: one line per event, the correlation id on every request log. */
export function loggerParams(app: string, level: string): Params {
  return {
    pinoHttp: {
      level,
      base: { app },
      messageKey: 'message',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label: string) => ({ level: label }) },
      genReqId: (request: IncomingMessage, response: ServerResponse) => {
        const id = sanitizeCorrelationId(request.headers[CORRELATION_HEADER]);
        response.setHeader(CORRELATION_HEADER, id);
        return id;
      },
      customLogLevel: (_request, response, error) =>
        error || response.statusCode >= 500
          ? 'error'
          : response.statusCode >= 400
            ? 'warn'
            : 'debug',
      mixin: () => {
        const context = currentContext();
        return context ? { correlationId: context.correlationId } : {};
      },
      serializers: {
        req: (request: { method: string; url: string }) => ({
          method: request.method,
          url: request.url,
        }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
      autoLogging: { ignore: (request) => request.url?.startsWith('/actuator/') ?? false },
    },
  };
}
