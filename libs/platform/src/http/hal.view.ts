import { applyDecorators, Header, type Type } from '@nestjs/common';
import { ApiProduces, ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import type { HalItem, HalLink, HalPage } from './paging';

/*
 * The Swagger classes of the Spring Data REST (HAL) shapes that `toHalPage` and `toHalItem`
 * build, once for every collection. Each factory returns a class to extend, which names it:
 * `export class CustomerOrdersPageView extends HalPageView(...) {}`. A class that a page makes
 * for itself (the `_embedded` wrapper, the page counters) is named by the caller, since a class
 * name is its component schema name in the OpenAPI document, and each service's document
 * keeps the names it was published with.
 */

export const HAL_JSON = 'application/hal+json';

/** A handler that answers `application/hal+json`, and says so in the document. */
export function ProducesHal(): MethodDecorator {
  return applyDecorators(Header('Content-Type', HAL_JSON), ApiProduces(HAL_JSON));
}

/** A class's name is its OpenAPI schema name; generated classes get theirs here. */
function named<T extends Type>(type: T, name: string): T {
  Object.defineProperty(type, 'name', { value: name });
  return type;
}

function decorate(type: Type, property: string, options: ApiPropertyOptions): void {
  ApiProperty(options)(type.prototype as object, property);
}

/** `{ href }`, a HAL link; `example` is a link of the collection. */
export function HalHref(example: string): Type<HalLink> {
  class Href {
    @ApiProperty({ example }) href!: string;
  }
  return Href;
}

/** An item's `_links`: `self` and the item's own rel, the same href (Spring Data REST's). */
export function HalItemLinks<Rel extends string>(
  rel: Rel,
  href: Type<HalLink>,
): Type<{ self: HalLink } & Record<Rel, HalLink>> {
  class ItemLinks {}
  for (const property of ['self', rel]) decorate(ItemLinks, property, { type: href });
  return ItemLinks as Type<{ self: HalLink } & Record<Rel, HalLink>>;
}

export interface HalItemViewOptions {
  /** An example of the item's link. */
  example: string;
  /** Schema names of the link classes the item makes: `{ href }` and the `_links` object. */
  names: { href: string; links: string };
}

/** A collection's item as `toHalItem` builds it: `body`, then `_links` (self and `rel`). */
export function HalItemView<T, Rel extends string>(
  body: Type<T>,
  rel: Rel,
  options: HalItemViewOptions,
): Type<HalItem<T, Rel>> {
  const href = named(HalHref(options.example), options.names.href);
  const links = named(HalItemLinks(rel, href), options.names.links);
  class Item extends (body as Type<object>) {}
  decorate(Item, '_links', { type: links });
  return Item as Type<HalItem<T, Rel>>;
}

export interface HalPageViewOptions {
  /** Schema names of the classes the page makes: the `_embedded` wrapper and the counters. */
  names: { embedded: string; page: string };
  /** Example of `page.totalElements`. */
  totalElements: number;
  /**
   * The `_links` property (self, and first / prev / next / last when they exist). Each service's
   * document has described it its own way since before this class was shared; the description
   * is kept so that the published documents do not change.
   */
  links: ApiPropertyOptions;
}

/** One page of a collection as `toHalPage` builds it: `_embedded.<rel>`, `_links`, `page`. */
export function HalPageView<T>(
  rel: string,
  item: Type<T>,
  options: HalPageViewOptions,
): Type<HalPage<T>> {
  const embedded = named(class {}, options.names.embedded);
  decorate(embedded, rel, { type: [item] });

  const page = named(class {}, options.names.page);
  const counters = { size: 20, totalElements: options.totalElements, totalPages: 1, number: 0 };
  for (const [property, example] of Object.entries(counters)) {
    decorate(page, property, { type: Number, example });
  }

  class Page {}
  decorate(Page, '_embedded', { type: embedded });
  decorate(Page, '_links', options.links);
  decorate(Page, 'page', { type: page });
  return Page as Type<HalPage<T>>;
}
