import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { REPLICATION_HEADER } from './peer-replication.service';
import { RegistryAuthGuard } from './registry-auth';
import { InvalidRequestError, UnsupportedMediaTypeError } from './registry.errors';
import { parseMetadataUpdate, parseStatus } from './dto/registration.dto';
import { type ApplicationJson, type ApplicationsJson, type InstanceJson } from './instance.view';
import { INSTANCE_STATUSES, OVERRIDE_STATUSES } from './registry.model';
import { type Origin, RegistryService } from './registry.service';

function origin(replicationHeader: string | undefined): Origin {
  return replicationHeader === 'true' ? 'peer' : 'client';
}

/** Spring sends it on renewals; a malformed one is ignored, as Spring ignores it when absent. */
function timestamp(value: unknown): number | undefined {
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * The Eureka REST API as eureka-js-client and Spring's clients call it. Responses are always
 * JSON, whatever the Accept header says: XML is not implemented, and every known client of
 * this registry asks for JSON. Writes need the registry's credentials when it has a password
 * (RegistryAuthGuard); reads are open.
 */
@Controller('eureka')
@UseGuards(RegistryAuthGuard)
export class EurekaController {
  constructor(private readonly registry: RegistryService) {}

  @Post('apps/:app')
  @HttpCode(204)
  register(
    @Param('app') app: string,
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @Headers(REPLICATION_HEADER) replication: string | undefined,
  ): void {
    if (contentType !== undefined && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
      throw new UnsupportedMediaTypeError(contentType);
    }
    this.registry.register(app, body, origin(replication));
  }

  @Get('apps')
  applications(): ApplicationsJson {
    return this.registry.applications();
  }

  // Declared before apps/:app so that `delta` is not read as an application name.
  @Get('apps/delta')
  delta(): ApplicationsJson {
    return this.registry.delta();
  }

  @Get('apps/:app')
  application(@Param('app') app: string): { application: ApplicationJson } {
    return this.registry.application(app);
  }

  @Get('apps/:app/:id')
  instance(@Param('app') app: string, @Param('id') id: string): { instance: InstanceJson } {
    return this.registry.instance(app, id);
  }

  @Put('apps/:app/:id')
  @HttpCode(200)
  renew(
    @Param('app') app: string,
    @Param('id') id: string,
    @Query('lastDirtyTimestamp') lastDirtyTimestamp: unknown,
    @Headers(REPLICATION_HEADER) replication: string | undefined,
  ): void {
    this.registry.renew(app, id, timestamp(lastDirtyTimestamp), origin(replication));
  }

  @Delete('apps/:app/:id')
  @HttpCode(200)
  cancel(
    @Param('app') app: string,
    @Param('id') id: string,
    @Headers(REPLICATION_HEADER) replication: string | undefined,
  ): void {
    this.registry.cancel(app, id, origin(replication));
  }

  @Put('apps/:app/:id/status')
  @HttpCode(200)
  setStatus(
    @Param('app') app: string,
    @Param('id') id: string,
    @Query('value') value: unknown,
    @Headers(REPLICATION_HEADER) replication: string | undefined,
  ): void {
    const status = parseStatus(value, OVERRIDE_STATUSES);
    if (!status.ok) throw new InvalidRequestError(status.field, status.message);
    this.registry.setStatusOverride(app, id, status.value, origin(replication));
  }

  @Delete('apps/:app/:id/status')
  @HttpCode(200)
  deleteStatus(
    @Param('app') app: string,
    @Param('id') id: string,
    @Query('value') value: unknown,
    @Headers(REPLICATION_HEADER) replication: string | undefined,
  ): void {
    let status: (typeof INSTANCE_STATUSES)[number] | undefined;
    if (value !== undefined) {
      const parsed = parseStatus(value, INSTANCE_STATUSES);
      if (!parsed.ok) throw new InvalidRequestError(parsed.field, parsed.message);
      status = parsed.value;
    }
    this.registry.deleteStatusOverride(app, id, status, origin(replication));
  }

  @Put('apps/:app/:id/metadata')
  @HttpCode(200)
  updateMetadata(
    @Param('app') app: string,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Headers(REPLICATION_HEADER) replication: string | undefined,
  ): void {
    const metadata = parseMetadataUpdate(query);
    if (!metadata.ok) throw new InvalidRequestError(metadata.field, metadata.message);
    this.registry.updateMetadata(app, id, metadata.value, origin(replication));
  }

  @Get('instances/:id')
  instanceById(@Param('id') id: string): { instance: InstanceJson } {
    return this.registry.instanceById(id);
  }

  @Get('vips/:vip')
  vip(@Param('vip') vip: string): ApplicationsJson {
    return this.registry.byVip(vip, false);
  }

  @Get('svips/:svip')
  secureVip(@Param('svip') svip: string): ApplicationsJson {
    return this.registry.byVip(svip, true);
  }
}
