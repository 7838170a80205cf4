import { Controller, Delete, Get, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import {
  ApiMethodNotAllowedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { forwardedPrefix, type HalPage, SortablePageQuery, toHalPage } from '@storefront/platform';
import {
  CustomerOrdersHalItem,
  CustomerOrdersPageView,
  toCustomerOrdersHalItem,
} from './dto/customer-orders.view';
import { CustomerIdParams } from './dto/order.dto';
import { CustomersService, SORT_FIELDS } from './customers.service';
import { readOnly } from './orders.errors';

/** `GET /customerOrderses?page&size&sort`. */
export class CustomerOrdersPageQueryDto extends SortablePageQuery(Object.keys(SORT_FIELDS)) {}

/** Links are relative to the path the client called, with the prefix the gateway stripped. */
function basePath(request: Request): string {
  return `${forwardedPrefix(request)}/customerOrderses`;
}

/** The original's Spring Data REST collection, read-only here (every write path publishes). */
@ApiTags('customer orders collection')
@Controller('customerOrderses')
export class CustomerOrdersesController {
  constructor(private readonly customers: CustomersService) {}

  @Get()
  @ApiOperation({ summary: 'Customers with their orders, paged (Spring Data REST HAL shape)' })
  @ApiOkResponse({ type: CustomerOrdersPageView })
  async page(
    @Query() query: CustomerOrdersPageQueryDto,
    @Req() request: Request,
  ): Promise<HalPage<CustomerOrdersHalItem>> {
    const page = await this.customers.findPage(query);
    return toHalPage('customerOrderses', basePath(request), page, query, toCustomerOrdersHalItem);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One customer with their orders (HAL item)' })
  @ApiOkResponse({ type: CustomerOrdersHalItem })
  @ApiNotFoundResponse({ description: 'Unknown customer' })
  async item(
    @Param() params: CustomerIdParams,
    @Req() request: Request,
  ): Promise<CustomerOrdersHalItem> {
    return toCustomerOrdersHalItem(await this.customers.findOne(params.id), basePath(request));
  }

  @Post()
  @ApiOperation({ summary: 'Not allowed: the collection is read-only' })
  @ApiMethodNotAllowedResponse({ description: 'Read-only collection' })
  create(): never {
    throw readOnly();
  }

  @Put(':id')
  @ApiOperation({ summary: 'Not allowed: the collection is read-only' })
  @ApiMethodNotAllowedResponse({ description: 'Read-only collection' })
  replace(@Param() _params: CustomerIdParams): never {
    throw readOnly();
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Not allowed: the collection is read-only' })
  @ApiMethodNotAllowedResponse({ description: 'Read-only collection' })
  update(@Param() _params: CustomerIdParams): never {
    throw readOnly();
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Not allowed: the collection is read-only' })
  @ApiMethodNotAllowedResponse({ description: 'Read-only collection' })
  remove(@Param() _params: CustomerIdParams): never {
    throw readOnly();
  }
}
