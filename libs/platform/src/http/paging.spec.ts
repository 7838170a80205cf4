import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DomainError } from '../errors/domain-error';
import { PageQueryDto, parseSort, SortablePageQuery, toHalItem, toHalPage } from './paging';

const query = (overrides: Partial<PageQueryDto> = {}): PageQueryDto =>
  Object.assign(new PageQueryDto(), overrides);

describe('parseSort', () => {
  it.each([
    [undefined, undefined],
    ['name.lastName', { field: 'name.lastName', direction: 1 }],
    ['name.lastName,desc', { field: 'name.lastName', direction: -1 }],
    ['name.lastName,ASC', { field: 'name.lastName', direction: 1 }],
  ])('parses %s', (sort, expected) => {
    expect(parseSort(sort, ['name.lastName'], 'X.INVALID')).toEqual(expected);
  });

  it('rejects a field that is not sortable', () => {
    expect(() => parseSort('creditCards.number', ['name.lastName'], 'X.INVALID')).toThrow(
      DomainError,
    );
  });
});

describe('toHalPage', () => {
  it('shapes a middle page like Spring Data REST', () => {
    const page = { items: ['a'], total: 45 };
    const item = (name: string, base: string) => `${base}/${name}`;
    expect(toHalPage('customers', '/customers', page, query({ page: 1, size: 20 }), item)).toEqual({
      _embedded: { customers: ['/customers/a'] },
      _links: {
        self: { href: '/customers?page=1&size=20' },
        prev: { href: '/customers?page=0&size=20' },
        next: { href: '/customers?page=2&size=20' },
        first: { href: '/customers?page=0&size=20' },
        last: { href: '/customers?page=2&size=20' },
      },
      page: { size: 20, totalElements: 45, totalPages: 3, number: 1 },
    });
  });

  it('has no prev/next/first/last for an empty collection', () => {
    const empty = { items: [], total: 0 };
    expect(toHalPage('customers', '/customers', empty, query(), String)._links).toEqual({
      self: { href: '/customers?page=0&size=20' },
    });
  });
});

describe('toHalItem', () => {
  it('links the item to itself under self and its rel, with the id encoded', () => {
    expect(toHalItem({ name: 'x' }, '/p/customers', 'a b', 'customer')).toEqual({
      name: 'x',
      _links: { self: { href: '/p/customers/a%20b' }, customer: { href: '/p/customers/a%20b' } },
    });
  });
});

describe('SortablePageQuery', () => {
  const Query = SortablePageQuery(['name.lastName', 'id']);

  async function problems(raw: Record<string, string>): Promise<string[]> {
    const errors = await validate(plainToInstance(Query, raw), {
      forbidNonWhitelisted: true,
      whitelist: true,
    });
    return errors.map((error) => error.property);
  }

  it.each([
    [{}],
    [{ page: '0', size: '1' }],
    [{ page: '2147483647', size: '200' }],
    [{ sort: 'name.lastName' }],
    [{ sort: 'id,DESC' }],
  ])('accepts %j', async (raw) => {
    await expect(problems(raw)).resolves.toEqual([]);
  });

  it.each([
    [{ page: '8.3e307' }, 'page'],
    [{ page: '2147483648' }, 'page'],
    [{ page: '1e2' }, 'page'],
    [{ page: '100000000000000000000' }, 'page'],
    [{ page: '0x10' }, 'page'],
    [{ page: '' }, 'page'],
    [{ page: '-1' }, 'page'],
    [{ size: '0' }, 'size'],
    [{ size: '201' }, 'size'],
    [{ sort: 'creditCards.number' }, 'sort'],
    [{ sort: 'name.lastName,sideways' }, 'sort'],
    [{ sort: 'nameXlastName' }, 'sort'],
    [{ other: '1' }, 'other'],
  ])('refuses %j naming %s', async (raw, field) => {
    await expect(problems(raw)).resolves.toEqual([field]);
  });
});
