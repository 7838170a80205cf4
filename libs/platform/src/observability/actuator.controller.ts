import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { APP_INFO, type AppInfo } from './app-info';
import { Metrics } from './metrics';

@ApiExcludeController()
@Controller('actuator')
export class ActuatorController {
  constructor(
    @Inject(APP_INFO) private readonly info: AppInfo,
    private readonly metrics: Metrics,
  ) {}

  @Get('info')
  getInfo(): Record<string, unknown> {
    return {
      app: { name: this.info.name, version: this.info.version, environment: this.info.environment },
      build: { commit: this.info.commit },
      runtime: {
        node: process.version,
        pid: process.pid,
        uptimeSeconds: Math.round(process.uptime()),
      },
    };
  }

  @Get('prometheus')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
