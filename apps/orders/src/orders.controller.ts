import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { AdminOnly, inSequence } from '@storefront/platform';
import type { Request, Response } from 'express';
import { CustomerOrdersSummaryView, OrderView } from './dto/customer-orders.view';
import {
  CreateOrderDto,
  CustomerIdParams,
  OrderActionDto,
  OrderActionParams,
  OrderParams,
} from './dto/order.dto';
import { FulfillmentReportView, SampleOrdersReportView } from './dto/reports.view';
import { RepublishFulfillmentsDto } from './dto/republish.dto';
import { RepublishedRequestsView, RepublishedRequestView } from './dto/republish.view';
import { orderNotFound } from './orders.errors';
import { CustomersService } from './customers.service';
import { OrdersService } from './orders.service';
import { SampleOrdersService } from './sample-orders.service';

export const SAMPLE_ORDERS_MESSAGE = 'Sample orders added to customer orders';
export const FULFILL_MESSAGE = "All 'Approved' orders sent for fulfillment";

/**
 * The original answered these with a plain-text sentence; it stays the default. A client that
 * asks for JSON only gets the details (what was added, sent or skipped).
 */
function reply<T extends object>(
  request: Request,
  response: Response,
  message: string,
  details: T,
): string | (T & { message: string }) {
  if (request.accepts(['text/plain', 'application/json']) === 'application/json') {
    return { message, ...details };
  }
  response.type('text/plain');
  return message;
}

@ApiTags('customer orders')
@ApiExtraModels(SampleOrdersReportView, FulfillmentReportView)
@Controller('customers')
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly samples: SampleOrdersService,
    private readonly customers: CustomersService,
  ) {}

  // The fixed paths come first, so `sample` and `summary` never reach the `:id` routes.

  @Get('sample/orders')
  @AdminOnly()
  @ApiOperation({
    summary: "Adds the original's five sample orders to every customer",
    description:
      'Kept as a GET for compatibility with the original; POST does the same. Orders are ' +
      'appended, never replacing existing ones.',
  })
  @ApiProduces('text/plain', 'application/json')
  @ApiOkResponse({
    description: `"${SAMPLE_ORDERS_MESSAGE}" (text/plain), or the details when only JSON is accepted`,
    schema: { oneOf: [{ type: 'string' }, { $ref: getSchemaPath(SampleOrdersReportView) }] },
  })
  @ApiNotFoundResponse({ description: 'No customer replica yet (accounts events not received)' })
  @ApiConflictResponse({
    description: 'ORDERS.VERSION_CONFLICT: other writers kept changing a customer',
  })
  async sampleOrders(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string | SampleOrdersReportView> {
    const report = await this.samples.addSampleOrders();
    return reply(request, response, SAMPLE_ORDERS_MESSAGE, report);
  }

  @Post('sample/orders')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'POST form of GET /customers/sample/orders' })
  @ApiProduces('text/plain', 'application/json')
  @ApiOkResponse({ description: `"${SAMPLE_ORDERS_MESSAGE}"` })
  @ApiNotFoundResponse({ description: 'No customer replica yet (accounts events not received)' })
  @ApiConflictResponse({
    description: 'ORDERS.VERSION_CONFLICT: other writers kept changing a customer',
  })
  postSampleOrders(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string | SampleOrdersReportView> {
    return this.sampleOrders(request, response);
  }

  @Get('sample/fulfill')
  @AdminOnly()
  @ApiOperation({
    summary: 'Sends every APPROVED order not yet sent to fulfillment, once',
    description:
      'Each order goes out once on orders.order.fulfill (key: order guid); a second call ' +
      'sends nothing. Orders of a customer without a SHIPPING address are skipped. Kept as a ' +
      'GET for compatibility with the original; POST does the same.',
  })
  @ApiProduces('text/plain', 'application/json')
  @ApiOkResponse({
    description: `"${FULFILL_MESSAGE}" (text/plain), or the details when only JSON is accepted`,
    schema: { oneOf: [{ type: 'string' }, { $ref: getSchemaPath(FulfillmentReportView) }] },
  })
  @ApiNotFoundResponse({ description: "No 'Approved' orders found" })
  @ApiUnprocessableEntityResponse({
    description: 'APPROVED orders exist but none can be sent (no SHIPPING address)',
  })
  @ApiConflictResponse({
    description: 'ORDERS.VERSION_CONFLICT: other writers kept changing a customer',
  })
  async sampleFulfill(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string | FulfillmentReportView> {
    const report = await this.samples.requestFulfillment();
    return reply(request, response, FULFILL_MESSAGE, report);
  }

  @Post('sample/fulfill')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({ summary: 'POST form of GET /customers/sample/fulfill' })
  @ApiProduces('text/plain', 'application/json')
  @ApiOkResponse({ description: `"${FULFILL_MESSAGE}"` })
  @ApiNotFoundResponse({ description: "No 'Approved' orders found" })
  @ApiUnprocessableEntityResponse({
    description: 'APPROVED orders exist but none can be sent (no SHIPPING address)',
  })
  @ApiConflictResponse({
    description: 'ORDERS.VERSION_CONFLICT: other writers kept changing a customer',
  })
  postSampleFulfill(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string | FulfillmentReportView> {
    return this.sampleFulfill(request, response);
  }

  @Post('fulfill/republish')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-emit the fulfillment requests of orders sent but never fulfilled (repair)',
    description:
      'For each order that was sent to fulfillment and is still APPROVED, its request is ' +
      'queued again on orders.order.fulfill through the outbox; fulfillment ignores a request ' +
      'for an order it has. Used by `npm run audit -- --repair`.',
  })
  @ApiOkResponse({ type: RepublishedRequestsView, description: 'What was queued for each order' })
  @ApiBadRequestResponse({ description: 'Invalid body; `errors` names each field' })
  async republishMany(@Body() body: RepublishFulfillmentsDto): Promise<RepublishedRequestsView> {
    // Each id once: a repeated id would only queue the same request again.
    const guids = new Set(body.orders);
    return { orders: await inSequence(guids, (guid) => this.orders.republishFulfillment(guid)) };
  }

  @Get('summary')
  @ApiOperation({ summary: 'Every customer with their orders (not paged), as the original' })
  @ApiOkResponse({ type: CustomerOrdersSummaryView })
  async summary(): Promise<CustomerOrdersSummaryView> {
    return { customers: await this.customers.summary() };
  }

  @Post(':id/orders')
  @ApiOperation({ summary: 'Creates an order (status CREATED) for a customer' })
  @ApiCreatedResponse({ type: OrderView })
  @ApiBadRequestResponse({ description: 'Invalid order; the error names the field' })
  @ApiNotFoundResponse({ description: 'Unknown customer' })
  @ApiConflictResponse({
    description: 'ORDERS.VERSION_CONFLICT: other writers kept changing a customer',
  })
  createOrder(@Param() params: CustomerIdParams, @Body() dto: CreateOrderDto): Promise<OrderView> {
    return this.orders.createOrder(params.id, dto);
  }

  @Get(':id/orders')
  @ApiOperation({ summary: "A customer's orders, oldest first" })
  @ApiOkResponse({ type: [OrderView] })
  @ApiNotFoundResponse({ description: 'Unknown customer' })
  listOrders(@Param() params: CustomerIdParams): Promise<OrderView[]> {
    return this.orders.listOrders(params.id);
  }

  @Get(':id/orders/:guid')
  @ApiOperation({ summary: 'One order with its status history' })
  @ApiOkResponse({ type: OrderView })
  @ApiNotFoundResponse({ description: 'Unknown customer or order' })
  getOrder(@Param() params: OrderParams): Promise<OrderView> {
    return this.orders.getOrder(params.id, params.guid);
  }

  @Post(':id/orders/:guid/fulfill')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sends one APPROVED order to fulfillment (idempotent: sent once)',
  })
  @ApiOkResponse({ type: OrderView, description: 'The order, with fulfillmentRequested true' })
  @ApiNotFoundResponse({ description: 'Unknown customer or order' })
  @ApiConflictResponse({ description: 'The order is not APPROVED' })
  @ApiUnprocessableEntityResponse({ description: 'The customer has no SHIPPING address' })
  fulfillOrder(@Param() params: OrderParams): Promise<OrderView> {
    return this.orders.fulfillOrder(params.id, params.guid);
  }

  @Post(':id/orders/:guid/fulfill/republish')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({
    summary: "Re-emit one order's fulfillment request (repair of a missing fulfillment)",
    description: 'As the bulk form, for one order.',
  })
  @ApiOkResponse({ type: RepublishedRequestView, description: 'What was queued' })
  @ApiNotFoundResponse({ description: 'Unknown customer or order' })
  async republishFulfillment(@Param() params: OrderParams): Promise<RepublishedRequestView> {
    const result = await this.orders.republishFulfillment(params.guid, params.id);
    if (result.outcome === 'not-found') throw orderNotFound(params.guid, params.id);
    return result;
  }

  @Post(':id/orders/:guid/:action')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approves, rejects or cancels an order',
    description:
      'approve and reject: CREATED → APPROVED | REJECTED; cancel: APPROVED → CANCELLED, only ' +
      'before the order was sent to fulfillment (then only fulfillment changes its status).',
  })
  @ApiOkResponse({ type: OrderView })
  @ApiNotFoundResponse({ description: 'Unknown customer or order' })
  @ApiConflictResponse({ description: 'The lifecycle does not allow this step (nothing changes)' })
  act(@Param() params: OrderActionParams, @Body() dto: OrderActionDto): Promise<OrderView> {
    return this.orders.act(params.id, params.guid, params.action, dto.note ?? null);
  }
}
