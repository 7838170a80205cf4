import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import {
  AdminOnly,
  forwardedPrefix,
  type HalPage,
  inSequence,
  ProducesHal,
  toHalItem,
  toHalPage,
} from '@storefront/platform';
import type { Request, Response } from 'express';
import { type CustomerState, type CustomerView, customerView } from './customer.rules';
import { customerNotFound } from './customer.errors';
import { CustomersService } from './customers.service';
import { entityTag, versionPrecondition } from './http/entity-tag';
import { SAMPLE_CREATED_MESSAGE } from './customers.sample';
import { CustomerPageDto, CustomerResourceDto, CustomerSummaryDto } from './dto/customer.view';
import {
  CustomerDto,
  CustomerIdParams,
  CustomerPageQueryDto,
  PatchCustomerDto,
} from './dto/customer.dto';
import { RepublishCustomerDto, RepublishCustomersDto } from './dto/republish.dto';
import { RepublishedCustomerDto, RepublishReportDto } from './dto/republish.view';

const TEXT_PLAIN = 'text/plain; charset=utf-8';

type CustomerResource = CustomerView & { _links: Record<'self' | 'customer', { href: string }> };

function basePath(request: Request): string {
  return `${forwardedPrefix(request)}/customers`;
}

function toResource(customer: CustomerState, base: string): CustomerResource {
  return toHalItem(customerView(customer), base, customer.id, 'customer');
}

const ifMatchHeader = ApiHeader({
  name: 'If-Match',
  required: false,
  description: 'The ETag of the version you read, e.g. "3"; a stale one gets 409',
  // What http/entity-tag's expectedVersion accepts (anything else is a 400 naming If-Match).
  schema: { type: 'string', pattern: '^\\s*(\\*|(W/)?"\\d{1,15}"|\\d{1,15})?\\s*$' },
});

/**
 * Fixed paths (`sample`, `summary`) are declared before the `:id` routes: Express matches in
 * registration order, so neither is ever taken for a customer id.
 */
@ApiTags('customers')
@Controller('customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get('sample')
  @AdminOnly()
  @HttpCode(201)
  @Header('Content-Type', TEXT_PLAIN)
  @ApiProduces('text/plain')
  @ApiOperation({
    summary: "Replace all customers with the original's three sample customers",
    description:
      'Kept as a GET for compatibility with the original; prefer the POST form. Every other ' +
      'customer is deleted (one tombstone each) and the three are written through the normal ' +
      'write path under fixed ids (one change event each), so running it twice gives the same three.',
  })
  @ApiCreatedResponse({ description: `Plain text: \`${SAMPLE_CREATED_MESSAGE}\`` })
  @ApiConflictResponse({
    description: 'ACCOUNTS.VERSION_CONFLICT: another writer changed a sample customer meanwhile',
  })
  async sample(): Promise<string> {
    await this.customers.loadSample();
    return SAMPLE_CREATED_MESSAGE;
  }

  @Post('sample')
  @AdminOnly()
  @HttpCode(201)
  @Header('Content-Type', TEXT_PLAIN)
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'POST form of the sample endpoint' })
  @ApiCreatedResponse({ description: `Plain text: \`${SAMPLE_CREATED_MESSAGE}\`` })
  @ApiConflictResponse({
    description: 'ACCOUNTS.VERSION_CONFLICT: another writer changed a sample customer meanwhile',
  })
  async samplePost(): Promise<string> {
    return this.sample();
  }

  @Post('republish')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-emit the current state of several customers (repair of drifted replicas)',
    description:
      'For each customer, its state without cards (or a tombstone when it is deleted) is ' +
      'queued on accounts.customer.change through the outbox at its current version, so ' +
      "replicas that are current ignore it. With `replicaVersion` (the replica's version, " +
      'when it equals or exceeds the current one) the event carries the next version above ' +
      'it; for an id accounts does not know, a tombstone at that version. Used by `npm run ' +
      'audit -- --repair`.',
  })
  @ApiOkResponse({ type: RepublishReportDto, description: 'What was queued for each customer' })
  @ApiBadRequestResponse({ description: 'Invalid body; `errors` names each field' })
  async republishMany(@Body() body: RepublishCustomersDto): Promise<RepublishReportDto> {
    return {
      customers: await inSequence(body.customers, (item) =>
        this.customers.republish(item.id, item.replicaVersion),
      ),
    };
  }

  @Get('summary')
  @ApiOperation({ summary: 'Every customer, un-paged (the original summary view), cards masked' })
  @ApiOkResponse({ type: CustomerSummaryDto, description: '`{"customers": […]}`' })
  async summary(): Promise<CustomerSummaryDto> {
    return { customers: await this.customers.summary() };
  }

  @Get()
  @ProducesHal()
  @ApiOperation({ summary: 'Customers, paged and sortable (Spring Data REST collection shape)' })
  @ApiOkResponse({ type: CustomerPageDto, description: 'One page of customers, cards masked' })
  @ApiBadRequestResponse({ description: 'Bad page, size or sort (ACCOUNTS.SORT_INVALID)' })
  async page(
    @Query() query: CustomerPageQueryDto,
    @Req() request: Request,
  ): Promise<HalPage<CustomerResource>> {
    const page = await this.customers.findPage(query);
    return toHalPage('customers', basePath(request), page, query, toResource);
  }

  @Get(':id')
  @ProducesHal()
  @ApiOperation({ summary: 'One customer, cards masked; the ETag header carries its version' })
  @ApiOkResponse({ type: CustomerResourceDto, description: 'The customer' })
  @ApiNotFoundResponse({ description: 'ACCOUNTS.NOT_FOUND (also for an id that is no ObjectId)' })
  async findOne(
    @Param() { id }: CustomerIdParams,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CustomerResource> {
    return this.reply(await this.customers.findOne(id), request, response);
  }

  @Post()
  @ProducesHal()
  @ApiOperation({
    summary: 'Create a customer',
    description: 'Publishes one change event (without cards) on accounts.customer.change.',
  })
  @ApiCreatedResponse({
    type: CustomerResourceDto,
    description: 'The new customer; Location names it',
  })
  @ApiBadRequestResponse({ description: 'Invalid body; `errors` names each field' })
  async create(
    @Body() body: CustomerDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CustomerResource> {
    const customer = await this.customers.create(body);
    response.location(`${basePath(request)}/${customer.id}`);
    return this.reply(customer, request, response);
  }

  @Put(':id')
  @ProducesHal()
  @ifMatchHeader
  @ApiOperation({
    summary: 'Replace a customer',
    description: 'Masked card numbers keep the stored cards they name. Publishes one change event.',
  })
  @ApiOkResponse({ type: CustomerResourceDto, description: 'The customer after the change' })
  @ApiBadRequestResponse({ description: 'Invalid body or If-Match' })
  @ApiNotFoundResponse({ description: 'ACCOUNTS.NOT_FOUND' })
  @ApiConflictResponse({ description: 'ACCOUNTS.VERSION_CONFLICT: stale If-Match or version' })
  async replace(
    @Param() { id }: CustomerIdParams,
    @Body() body: CustomerDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CustomerResource> {
    return this.reply(
      await this.customers.replace(id, body, versionPrecondition(ifMatch, body.version)),
      request,
      response,
    );
  }

  @Patch(':id')
  @ProducesHal()
  @ifMatchHeader
  @ApiOperation({
    summary: 'Change some fields of a customer (JSON merge patch)',
    description:
      'Objects merge field by field, null clears an optional field, arrays replace the stored ' +
      'ones. Publishes one change event.',
  })
  @ApiOkResponse({ type: CustomerResourceDto, description: 'The customer after the change' })
  @ApiBadRequestResponse({ description: 'Invalid body or If-Match' })
  @ApiNotFoundResponse({ description: 'ACCOUNTS.NOT_FOUND' })
  @ApiConflictResponse({ description: 'ACCOUNTS.VERSION_CONFLICT: stale If-Match or version' })
  async update(
    @Param() { id }: CustomerIdParams,
    @Body() body: PatchCustomerDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CustomerResource> {
    return this.reply(
      await this.customers.patch(id, body, versionPrecondition(ifMatch, body.version)),
      request,
      response,
    );
  }

  @Post(':id/republish')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({
    summary: "Re-emit one customer's current state (repair of a drifted replica)",
    description:
      'As the bulk form, for one customer. 404 when accounts does not know the id and no ' +
      '`replicaVersion` is given.',
  })
  @ApiOkResponse({ type: RepublishedCustomerDto, description: 'What was queued' })
  @ApiBadRequestResponse({ description: 'Invalid body' })
  @ApiNotFoundResponse({ description: 'ACCOUNTS.NOT_FOUND' })
  async republish(
    @Param() { id }: CustomerIdParams,
    @Body() body: RepublishCustomerDto,
  ): Promise<RepublishedCustomerDto> {
    const result = await this.customers.republish(id, body.replicaVersion);
    if (result.outcome === 'not-found') throw customerNotFound(id);
    return result;
  }

  @Delete(':id')
  @HttpCode(204)
  @ifMatchHeader
  @ApiOperation({
    summary: 'Delete a customer',
    description: 'Publishes a tombstone (key = id, null value) on accounts.customer.change.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'ACCOUNTS.NOT_FOUND' })
  @ApiConflictResponse({ description: 'ACCOUNTS.VERSION_CONFLICT: stale If-Match' })
  async remove(
    @Param() { id }: CustomerIdParams,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    await this.customers.remove(id, versionPrecondition(ifMatch, undefined));
  }

  private reply(customer: CustomerState, request: Request, response: Response): CustomerResource {
    response.setHeader('ETag', entityTag(customer.version));
    return toResource(customer, basePath(request));
  }
}
