import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiOkResponse, ApiProperty, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { HalHref, HalItemLinks, HalItemView, HalPageView } from './hal.view';

class Link extends HalHref('/things/1') {}
class ThingLinks extends HalItemLinks('thing', Link) {}
class Thing {
  @ApiProperty({ type: ThingLinks }) _links!: ThingLinks;
}
class ThingPage extends HalPageView('things', Thing, {
  names: { embedded: 'EmbeddedThings', page: 'ThingPageInfo' },
  totalElements: 7,
  links: { type: 'object', additionalProperties: { type: 'object' } },
}) {}

class WidgetBody {
  @ApiProperty() name!: string;
}
class Widget extends HalItemView(WidgetBody, 'widget', {
  example: '/widgets/1',
  names: { href: 'WidgetHref', links: 'WidgetLinks' },
}) {}

@Controller('things')
class ThingsController {
  @Get()
  @ApiOkResponse({ type: ThingPage })
  page(): void {}

  @Get('widget')
  @ApiOkResponse({ type: Widget })
  widget(): void {}
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe('HalPageView', () => {
  it('documents the page and an item under the names it is given', async () => {
    const app = await NestFactory.create(ThingsModule, { logger: false });
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    await app.close();
    const schemas = document.components?.schemas ?? {};
    expect(schemas.ThingPage).toEqual({
      type: 'object',
      properties: {
        _embedded: { $ref: '#/components/schemas/EmbeddedThings' },
        _links: { type: 'object', additionalProperties: { type: 'object' } },
        page: { $ref: '#/components/schemas/ThingPageInfo' },
      },
      required: ['_embedded', '_links', 'page'],
    });
    expect(schemas.EmbeddedThings).toMatchObject({
      properties: { things: { type: 'array', items: { $ref: '#/components/schemas/Thing' } } },
    });
    expect(schemas.ThingLinks).toEqual({
      type: 'object',
      properties: {
        self: { $ref: '#/components/schemas/Link' },
        thing: { $ref: '#/components/schemas/Link' },
      },
      required: ['self', 'thing'],
    });
    expect(schemas.Widget).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string' },
        _links: { $ref: '#/components/schemas/WidgetLinks' },
      },
      required: ['name', '_links'],
    });
    expect(schemas.WidgetLinks).toMatchObject({
      properties: { self: { $ref: '#/components/schemas/WidgetHref' } },
      required: ['self', 'widget'],
    });
    expect(schemas.WidgetHref).toMatchObject({ properties: { href: { example: '/widgets/1' } } });
    expect(schemas.Link).toMatchObject({ properties: { href: { example: '/things/1' } } });
    expect(schemas.ThingPageInfo).toMatchObject({
      properties: { totalElements: { type: 'number', example: 7 } },
      required: ['size', 'totalElements', 'totalPages', 'number'],
    });
  });
});
