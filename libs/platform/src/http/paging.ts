import { type Type } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { DomainError } from '../errors/domain-error';

/**
 * The largest page number: Spring Data REST's page is a Java int, and with the largest page
 * size the skip (page × size) stays an exact integer that every database accepts. Without
 * a bound, `page=8.3e307` is an "integer" whose skip overflows to Infinity (a 500).
 */
export const MAX_PAGE = 2_147_483_647;
export const MAX_PAGE_SIZE = 200;

/**
 * A query parameter that is a decimal integer, as its schema says: `12` becomes 12, anything
 * else (`1e2`, `0x10`, an empty value, a repeated parameter) stays as sent, so `@IsInt()`
 * refuses it instead of `Number()` guessing.
 */
export function ToInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^[+-]?\d+$/.test(value) ? Number(value) : value,
  );
}

/** Spring Data REST paging parameters: `?page=0&size=20`; see {@link SortablePageQuery} for sort. */
export class PageQueryDto {
  /** Zero-based page number. */
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    default: 0,
    minimum: 0,
    maximum: MAX_PAGE,
  })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE)
  page: number = 0;

  /** Page size. */
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    default: 20,
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
  })
  @IsOptional()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  size: number = 20;

  /** `field` or `field,asc|desc`, from the collection's closed list of sortable fields. */
  sort?: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The paging query of a collection that sorts on `fields` only: the schema states the closed
 * list (as a pattern, since the direction may be given in either case, like Spring's), and a
 * field outside it is a 400 naming `sort` before any query runs.
 */
export function SortablePageQuery(fields: readonly string[]): Type<PageQueryDto> {
  const pattern = new RegExp(
    `^(?:${fields.map(escapeRegExp).join('|')})(?:,(?:asc|desc|ASC|DESC))?$`,
  );
  const message = `sort must be one of ${fields.join(', ')}, optionally followed by ,asc or ,desc`;
  class SortablePageQueryDto extends PageQueryDto {
    /** `field` or `field,asc|desc`; dotted paths for nested fields. */
    @ApiPropertyOptional({
      type: String,
      pattern: pattern.source,
      example: `${fields[0]},asc`,
      description: `One of ${fields.map((field) => `\`${field}\``).join(', ')}, optionally followed by \`,asc\` or \`,desc\``,
    })
    @IsOptional()
    @IsString()
    @Matches(pattern, { message })
    override sort?: string = undefined;
  }
  return SortablePageQueryDto;
}

export interface ParsedSort {
  field: string;
  direction: 1 | -1;
}

/** Checks the sort field against what the collection allows, so a query never sorts on anything. */
export function parseSort(
  sort: string | undefined,
  allowed: readonly string[],
  errorCode: string,
): ParsedSort | undefined {
  if (!sort) return undefined;
  const [field, direction = 'asc'] = sort.split(',');
  if (!field || !allowed.includes(field)) {
    throw new DomainError(
      errorCode,
      `Cannot sort by "${field}"; sortable fields: ${allowed.join(', ')}`,
    );
  }
  return { field, direction: direction.toLowerCase() === 'desc' ? -1 : 1 };
}

/** One page of a collection as a service reads it; the controller makes the HAL page of it. */
export interface PageOf<T> {
  items: T[];
  total: number;
}

export interface HalLink {
  href: string;
}

export interface HalPage<T> {
  _embedded: Record<string, T[]>;
  _links: Record<string, HalLink>;
  page: { size: number; totalElements: number; totalPages: number; number: number };
}

export type HalItem<T, Rel extends string> = T & {
  _links: { self: HalLink } & Record<Rel, HalLink>;
};

/**
 * The Spring Data REST collection shape the original exposed, so its clients (Postman
 * collection, scripts) keep working: the page a service read, each item made a HAL item by
 * `toItem`. Links are relative to the request path, which stays correct behind the gateway's
 * prefix.
 */
export function toHalPage<S, T>(
  rel: string,
  basePath: string,
  { items, total }: PageOf<S>,
  query: PageQueryDto,
  toItem: (item: S, basePath: string) => T,
): HalPage<T> {
  const totalPages = Math.ceil(total / query.size);
  const href = (page: number): string =>
    `${basePath}?page=${page}&size=${query.size}${query.sort ? `&sort=${encodeURIComponent(query.sort)}` : ''}`;
  const links: Record<string, HalLink> = { self: { href: href(query.page) } };
  if (query.page > 0) links.prev = { href: href(query.page - 1) };
  if (query.page + 1 < totalPages) links.next = { href: href(query.page + 1) };
  if (totalPages > 0) {
    links.first = { href: href(0) };
    links.last = { href: href(totalPages - 1) };
  }
  return {
    _embedded: { [rel]: items.map((item) => toItem(item, basePath)) },
    _links: links,
    page: { size: query.size, totalElements: total, totalPages, number: query.page },
  };
}

/** A Spring Data REST item: the body, and `_links` whose `self` and `rel` are `base/id`. */
export function toHalItem<T extends object, Rel extends string>(
  body: T,
  base: string,
  id: string,
  rel: Rel,
): HalItem<T, Rel> {
  const href = { href: `${base}/${encodeURIComponent(id)}` };
  const links = { self: href, [rel]: href } as { self: HalLink } & Record<Rel, HalLink>;
  return { ...body, _links: links };
}
