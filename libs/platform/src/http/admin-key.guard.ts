import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { APP_CONFIG } from '../config/config';
import { CommonErrors, DomainError } from '../errors/domain-error';
import { sameSecret } from './credentials';

export const ADMIN_KEY_HEADER = 'x-api-key';

/** Variables of an app with admin (sample data, maintenance) endpoints. */
export const adminConfigSchema = z.object({
  /** When set, admin endpoints require it in the X-API-Key header; unset, they are open (local demo). */
  ADMIN_API_KEY: z.string().min(16, 'use at least 16 characters').optional(),
});

const ADMIN_ONLY = Symbol('ADMIN_ONLY');

@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: z.infer<typeof adminConfigSchema>,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const expected = this.config.ADMIN_API_KEY;
    if (!required || !expected) return true;
    const given = context.switchToHttp().getRequest<Request>().headers[ADMIN_KEY_HEADER];
    if (typeof given === 'string' && sameSecret(given, expected)) return true;
    throw new DomainError(
      CommonErrors.Unauthorized,
      given === undefined
        ? `This endpoint needs the admin API key in the ${ADMIN_KEY_HEADER} header`
        : 'The admin API key is wrong',
    );
  }
}

/** Marks a handler or controller as admin-only (sample data, maintenance). */
export function AdminOnly(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ADMIN_ONLY, true),
    UseGuards(AdminKeyGuard),
    ApiHeader({
      name: ADMIN_KEY_HEADER,
      required: false,
      description: 'Admin API key, when the service has one configured',
    }),
    ApiUnauthorizedResponse({ description: 'Admin API key missing or wrong' }),
  );
}
