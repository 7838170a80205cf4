import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { DomainError } from '../errors/domain-error';

/** Spring Data REST paging parameters: `?page=0&size=20&sort=name.lastName,desc`. */
export class PageQueryDto {
  /** Zero-based page number. */
  @ApiPropertyOptional({ default: 0, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  page: number = 0;

  /** Page size. */
  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  size: number = 20;

  /** `field` or `field,asc|desc`; dotted paths for nested fields. */
  @ApiPropertyOptional({ example: 'name.lastName,asc' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z][\w.]*(,(asc|desc))?$/i, {
    message: 'sort must look like field or field,asc|desc',
  })
  sort?: string;
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

export interface HalPage<T> {
  _embedded: Record<string, T[]>;
  _links: Record<string, { href: string }>;
  page: { size: number; totalElements: number; totalPages: number; number: number };
}

/**
 * The Spring Data REST collection shape the original exposed, so its clients (Postman
 * collection, scripts) keep working. Links are relative to the request path, which stays
 * correct behind the gateway's prefix.
 */
export function toHalPage<T>(
  rel: string,
  basePath: string,
  items: T[],
  total: number,
  query: PageQueryDto,
): HalPage<T> {
  const totalPages = Math.ceil(total / query.size);
  const href = (page: number): string =>
    `${basePath}?page=${page}&size=${query.size}${query.sort ? `&sort=${encodeURIComponent(query.sort)}` : ''}`;
  const links: Record<string, { href: string }> = { self: { href: href(query.page) } };
  if (query.page > 0) links.prev = { href: href(query.page - 1) };
  if (query.page + 1 < totalPages) links.next = { href: href(query.page + 1) };
  if (totalPages > 0) {
    links.first = { href: href(0) };
    links.last = { href: href(totalPages - 1) };
  }
  return {
    _embedded: { [rel]: items },
    _links: links,
    page: { size: query.size, totalElements: total, totalPages, number: query.page },
  };
}
