import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthService } from './health.service';
import type { HealthReport } from './health.types';

function send(response: Response, report: HealthReport): HealthReport {
  response.status(report.status === 'UP' ? 200 : 503);
  return report;
}

/** Spring-Boot-style health endpoints: 200 when UP, 503 otherwise. */
@ApiExcludeController()
@Controller('actuator/health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @HttpCode(200)
  async all(@Res({ passthrough: true }) response: Response): Promise<HealthReport> {
    return send(response, await this.health.report('all'));
  }

  @Get('readiness')
  async readiness(@Res({ passthrough: true }) response: Response): Promise<HealthReport> {
    return send(response, await this.health.report('readiness'));
  }

  @Get('liveness')
  async liveness(@Res({ passthrough: true }) response: Response): Promise<HealthReport> {
    return send(response, await this.health.report('liveness'));
  }
}
