import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiExcludeEndpoint,
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
  SortablePageQuery,
  toHalPage,
} from '@storefront/platform';
import type { Request } from 'express';
import {
  FulfillmentHalItem,
  FulfillmentHalPage,
  FulfillmentSummaryView,
  FulfillmentView,
  toFulfillmentHalItem,
} from './dto/fulfillment.view';
import { RepublishFulfillmentsDto } from './dto/republish.dto';
import { RepublishedStatusesView, RepublishedStatusView } from './dto/republish.view';
import { FulfillmentIdParams, FulfillmentStepParams, SampleStepParams } from './dto/step.params';
import { fulfillmentNotFound, readOnly } from './fulfillment.errors';
import { stepResponseText } from './fulfillment.rules';
import { FulfillmentService, SORTABLE_FIELDS } from './fulfillment.service';

const TEXT_PLAIN = 'text/plain; charset=utf-8';

/** `GET /fulfillments?page&size&sort`. */
export class FulfillmentPageQueryDto extends SortablePageQuery(SORTABLE_FIELDS) {}

/** Where the collection is as the client sees it, gateway prefix included. */
function basePath(request: Request): string {
  return `${forwardedPrefix(request)}/fulfillments`;
}

/**
 * Fixed paths (`summary`, `sample/…`) are declared before `:id` routes: Express matches in
 * registration order, and `sample` must never be taken for a fulfillment id.
 */
@ApiTags('fulfillments')
@Controller('fulfillments')
export class FulfillmentController {
  constructor(private readonly fulfillments: FulfillmentService) {}

  @Get('summary')
  @ApiOperation({ summary: 'Every fulfillment, unpaged (the original summary view)' })
  @ApiOkResponse({ type: FulfillmentSummaryView, description: '`{"fulfillments": […]}`' })
  async summary(): Promise<FulfillmentSummaryView> {
    return { fulfillments: await this.fulfillments.findAll() };
  }

  @Get('sample/:step')
  @AdminOnly()
  @Header('Content-Type', TEXT_PLAIN)
  @ApiProduces('text/plain')
  @ApiOperation({
    summary: 'Move every fulfillment in the previous status one step (the original sample GET)',
    description:
      'process: APPROVED→PROCESSING; ship: PROCESSING→SHIPPED (picks a carrier); in-transit: ' +
      'SHIPPED→IN_TRANSIT; receive: IN_TRANSIT→RECEIVED. Each moved fulfillment publishes ' +
      'exactly one status change. Kept as a GET for compatibility; prefer the POST form.',
  })
  @ApiOkResponse({ description: "Plain text, e.g. `Order status changed to 'Processing'`" })
  async sampleStep(@Param() params: SampleStepParams): Promise<string> {
    await this.fulfillments.advanceAll(params.step);
    return stepResponseText(params.step);
  }

  @Post('sample/:step')
  @HttpCode(200)
  @AdminOnly()
  @Header('Content-Type', TEXT_PLAIN)
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'POST form of the sample step' })
  @ApiOkResponse({ description: "Plain text, e.g. `Order status changed to 'Shipped'`" })
  async sampleStepPost(@Param() params: SampleStepParams): Promise<string> {
    return this.sampleStep(params);
  }

  @Get()
  @ProducesHal()
  @ApiOperation({ summary: 'Fulfillments, paged (Spring Data REST collection shape)' })
  @ApiOkResponse({ type: FulfillmentHalPage, description: 'One page of fulfillments' })
  async page(
    @Query() query: FulfillmentPageQueryDto,
    @Req() request: Request,
  ): Promise<HalPage<FulfillmentHalItem>> {
    const page = await this.fulfillments.findPage(query);
    return toHalPage('fulfillments', basePath(request), page, query, toFulfillmentHalItem);
  }

  @Get(':id')
  @ProducesHal()
  @ApiOperation({
    summary: 'One fulfillment, by document id or order guid (Spring Data REST item shape)',
  })
  @ApiOkResponse({ type: FulfillmentHalItem, description: 'The fulfillment; its id is in _links' })
  @ApiNotFoundResponse({ description: 'FULFILLMENT.NOT_FOUND' })
  async findOne(
    @Param() params: FulfillmentIdParams,
    @Req() request: Request,
  ): Promise<FulfillmentHalItem> {
    return toFulfillmentHalItem(await this.fulfillments.findOne(params.id), basePath(request));
  }

  @Post('republish')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: "Re-emit the status events of several fulfillments (repair of orders' histories)",
    description:
      'Every status event each fulfillment produced is queued again on ' +
      'fulfillment.order.change through the outbox, at its current version; orders appends ' +
      'none twice and heals a history with a copy or out of order. Used by `npm run audit -- ' +
      '--repair`.',
  })
  @ApiOkResponse({ type: RepublishedStatusesView, description: 'What was queued for each' })
  @ApiBadRequestResponse({ description: 'Invalid body; `errors` names each field' })
  async republishMany(@Body() body: RepublishFulfillmentsDto): Promise<RepublishedStatusesView> {
    // Each id once: a repeated id would only queue the same events again.
    const ids = new Set(body.fulfillments);
    return {
      fulfillments: await inSequence(ids, async (id): Promise<RepublishedStatusView> => {
        const result = await this.fulfillments.republishStatuses(id);
        return result
          ? { id, outcome: 'republished', events: result.events }
          : { id, outcome: 'not-found', events: 0 };
      }),
    };
  }

  @Post(':id/republish')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: "Re-emit one fulfillment's status events (repair of orders' history)",
    description: 'As the bulk form, for one fulfillment (document id or order guid).',
  })
  @ApiOkResponse({ type: RepublishedStatusView, description: 'What was queued' })
  @ApiNotFoundResponse({ description: 'FULFILLMENT.NOT_FOUND' })
  async republish(@Param() params: FulfillmentIdParams): Promise<RepublishedStatusView> {
    const result = await this.fulfillments.republishStatuses(params.id);
    if (!result) {
      throw fulfillmentNotFound(params.id);
    }
    return { id: params.id, outcome: 'republished', events: result.events };
  }

  @Post(':id/:step')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    summary: 'Move one fulfillment one step (process, ship, in-transit, receive)',
    description: 'Publishes exactly one status change on fulfillment.order.change.',
  })
  @ApiOkResponse({ type: FulfillmentView, description: 'The fulfillment after the step' })
  @ApiNotFoundResponse({ description: 'FULFILLMENT.NOT_FOUND' })
  @ApiConflictResponse({
    description: 'FULFILLMENT.ILLEGAL_TRANSITION: the step does not follow the current status',
  })
  async advance(@Param() params: FulfillmentStepParams): Promise<FulfillmentView> {
    return this.fulfillments.advance(params.id, params.step);
  }

  // Fulfillments are created by order events and changed only by the steps above, so every
  // change is published; the original's Spring Data REST writes bypassed the events.
  @Post()
  @ApiExcludeEndpoint()
  create(): never {
    throw readOnly();
  }

  @Put(':id')
  @ApiExcludeEndpoint()
  replace(): never {
    throw readOnly();
  }

  @Patch(':id')
  @ApiExcludeEndpoint()
  update(): never {
    throw readOnly();
  }

  @Delete(':id')
  @ApiExcludeEndpoint()
  remove(): never {
    throw readOnly();
  }
}
