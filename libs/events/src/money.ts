import { z } from 'zod';

/**
 * Upper bound of a price. It keeps every valid price within 11 significant digits, so the
 * shortest decimal form of the IEEE double is exactly the price and `price * 100` is an exact
 * integer number of cents.
 */
export const MAX_PRICE = 999_999_999.99;

const TWO_DECIMALS = /^\d+(\.\d{1,2})?$/;

/**
 * True when `value` is a finite, non-negative number written with at most two decimals.
 * `String(value)` is the shortest decimal that round-trips, so `0.1 + 0.2` (0.30000000000000004)
 * is rejected while `11.99` is accepted.
 */
export function isPrice(value: number): boolean {
  return Number.isFinite(value) && value <= MAX_PRICE && TWO_DECIMALS.test(String(value));
}

/**
 * A unit price in dollars, exact to the cent.
 *
 * Decision: the wire keeps the original's JSON number (`11.99`), so a Java consumer reading it
 * into a `BigDecimal` gets the exact value. Exactness is kept by refusing any number that is
 * not written with at most two decimals and by bounding it (`MAX_PRICE`); arithmetic belongs in
 * integer cents (`priceToCents`) and storage may use the decimal string (`priceToDecimalString`),
 * like the original's Mongo documents (`"1.99"`).
 *
 * The JSON Schema carries no `multipleOf: 0.01`: many validators test it with float division and
 * would reject 11.99. The rule is stated in the description instead and enforced by zod.
 */
export const PriceSchema = z
  .number()
  .min(0)
  .max(MAX_PRICE)
  .refine(isPrice, { message: 'Expected a price with at most two decimals' })
  .describe(
    'Unit price in dollars as a JSON number with at most two decimals (e.g. 11.99); exact to the cent.',
  );

export type Price = z.infer<typeof PriceSchema>;

function assertPrice(price: number): void {
  if (!isPrice(price)) throw new RangeError(`Not a price with at most two decimals: ${price}`);
}

/** Exact number of cents of a valid price. */
export function priceToCents(price: number): number {
  assertPrice(price);
  return Math.round(price * 100);
}

/** The price of an integer number of cents. */
export function centsToPrice(cents: number): number {
  if (!Number.isSafeInteger(cents) || cents < 0)
    throw new RangeError(`Not a number of cents: ${cents}`);
  const price = cents / 100;
  assertPrice(price);
  return price;
}

/** Two-decimal string of a valid price (`11.99`, `2.00`), the form the original stores in Mongo. */
export function priceToDecimalString(price: number): string {
  assertPrice(price);
  return price.toFixed(2);
}

/** Parses a decimal string (`"1.99"`, `"2"`) into a valid price. */
export function priceFromDecimalString(text: string): number {
  if (!TWO_DECIMALS.test(text)) throw new RangeError(`Not a decimal price: "${text}"`);
  const price = Number(text);
  assertPrice(price);
  return price;
}
