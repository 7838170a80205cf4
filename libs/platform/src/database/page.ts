import type { FilterQuery, Model } from 'mongoose';
import { type PageOf, type PageQueryDto, parseSort } from '../http/paging';

/** The sortable fields of a collection (API field → document path), and the code of a refusal. */
export interface PageSorting {
  readonly paths: Readonly<Record<string, string>>;
  readonly errorCode: string;
}

/**
 * One page of a collection for a paged GET, and how many documents `filter` matches in all.
 * Sorted as the query asks (a field outside `sorting.paths` is the DomainError
 * `sorting.errorCode`), then by `_id`, so that pages of equal sort keys are stable; `_id` alone
 * when the query names no sort. Documents are lean, typed `L`.
 */
export async function readPage<T, L = T>(
  model: Model<T>,
  query: PageQueryDto,
  sorting: PageSorting,
  filter: FilterQuery<T> = {},
): Promise<PageOf<L>> {
  const sort = parseSort(query.sort, Object.keys(sorting.paths), sorting.errorCode);
  const order: Record<string, 1 | -1> = sort ? { [sorting.paths[sort.field]]: sort.direction } : {};
  order._id ??= 1;
  const [items, total] = await Promise.all([
    model
      .find(filter)
      .sort(order)
      .skip(query.page * query.size)
      .limit(query.size)
      .lean<L[]>()
      .exec(),
    model.countDocuments(filter).exec(),
  ]);
  return { items, total };
}
