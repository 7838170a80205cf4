import { Controller, Get, Header } from '@nestjs/common';
import type { ServiceInstance } from '@storefront/platform';
import { ApiExcludeController } from '@nestjs/swagger';
import { GatewayProxy } from './gateway.proxy';
import type { RouteDefinition } from './route.rules';
import { combinedSwaggerPage, SWAGGER_INIT_JS } from './swagger-page';

@ApiExcludeController()
@Controller()
export class GatewayController {
  constructor(private readonly proxy: GatewayProxy) {}

  /** Each route with the instances it would use right now. */
  @Get('actuator/routes')
  routes(): Array<RouteDefinition & { instances: ServiceInstance[] }> {
    return this.proxy.describeRoutes();
  }

  /** One Swagger UI page for all services, with a selector; specs load through the gateway. */
  @Get('swagger-ui.html')
  @Header('Content-Type', 'text/html; charset=utf-8')
  swagger(): string {
    return combinedSwaggerPage(this.proxy.routes.map((route) => route.prefix));
  }

  @Get('swagger-ui/storefront-init.js')
  @Header('Content-Type', 'application/javascript; charset=utf-8')
  swaggerInit(): string {
    return SWAGGER_INIT_JS;
  }
}
