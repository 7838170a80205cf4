import { centsToPrice, priceFromDecimalString, priceToCents } from '@storefront/events';

/** A line as stored: the price is the exact decimal string ("1.99"). */
export interface PricedLine {
  readonly product: { readonly price: string };
  readonly quantity: number;
}

/** Order total, summed in integer cents so no float drift creeps in. */
export function orderTotalCents(lines: readonly PricedLine[]): number {
  return lines.reduce(
    (sum, line) => sum + priceToCents(priceFromDecimalString(line.product.price)) * line.quantity,
    0,
  );
}

/** Order total as a price (dollars, two decimals exact). */
export function orderTotal(lines: readonly PricedLine[]): number {
  return centsToPrice(orderTotalCents(lines));
}
