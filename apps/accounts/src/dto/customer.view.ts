import { ApiProperty } from '@nestjs/swagger';
import { AddressSchema, EXAMPLE_BILLING_ADDRESS } from '@storefront/events';
import { ContactView, NameView, ResponseView } from '@storefront/model';
import { HalHref, HalItemLinks, HalPageView } from '@storefront/platform';
import { CREDIT_CARD_TYPES, type CreditCardType } from '../customer.rules';

/**
 * Response documentation only: what the controllers return is built by customer.rules views.
 * Name and contact are the shared views; the address has accounts' own billing example.
 */

class AddressView extends ResponseView(AddressSchema, EXAMPLE_BILLING_ADDRESS) {}

class CardView {
  @ApiProperty({ enum: CREDIT_CARD_TYPES, example: 'PRIMARY' }) type!: CreditCardType;
  @ApiProperty({ example: 'VISA' }) description!: string;
  @ApiProperty({
    example: '************0000',
    description: 'Always masked: twelve asterisks and the last four digits.',
  })
  number!: string;
  @ApiProperty({ example: '6/19' }) expiration!: string;
  @ApiProperty({ example: 'John S. Doe' }) nameOnCard!: string;
}

class Link extends HalHref('/customers/5b1be0107f2b1c0001a0e001') {}

class ItemLinks extends HalItemLinks('customer', Link) {}

/** A customer as the summary shows it: the original's plain `Customer` JSON, cards masked. */
export class CustomerSummaryItemDto {
  @ApiProperty({ example: '5b1be0107f2b1c0001a0e001' }) id!: string;
  @ApiProperty({ type: NameView }) name!: NameView;
  @ApiProperty({ type: ContactView }) contact!: ContactView;
  @ApiProperty({ type: [AddressView] }) addresses!: AddressView[];
  @ApiProperty({ type: [CardView] }) creditCards!: CardView[];
}

/** GET /customers/summary: every customer, un-paged, like the original. */
export class CustomerSummaryDto {
  @ApiProperty({ type: [CustomerSummaryItemDto] }) customers!: CustomerSummaryItemDto[];
}

/** A customer resource (HAL), with its version (also in the ETag header) and timestamps. */
export class CustomerResourceDto extends CustomerSummaryItemDto {
  @ApiProperty({ example: 1, description: 'Increments on every write; the ETag is "<version>".' })
  version!: number;
  @ApiProperty({ example: '2018-06-09T12:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2018-06-09T12:00:00.000Z' }) updatedAt!: string;
  @ApiProperty({ type: ItemLinks }) _links!: ItemLinks;
}

class PageLinks {
  @ApiProperty({ type: Link, example: { href: '/customers?page=0&size=20' } }) self!: Link;
}

/** GET /customers: one page, in Spring Data REST's HAL collection shape (rel `customers`). */
export class CustomerPageDto extends HalPageView('customers', CustomerResourceDto, {
  names: { embedded: 'EmbeddedCustomers', page: 'PageMetadata' },
  totalElements: 3,
  links: { type: PageLinks, description: 'self, and first / prev / next / last when they exist' },
}) {}
