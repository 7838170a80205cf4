import {
  centsToPrice,
  isPrice,
  MAX_PRICE,
  priceFromDecimalString,
  PriceSchema,
  priceToCents,
  priceToDecimalString,
} from './money';

describe('price', () => {
  it.each([0, 1, 1.5, 1.99, 11.99, 15.99, 0.07, 123456.78, MAX_PRICE])('accepts %p', (price) => {
    expect(isPrice(price)).toBe(true);
    expect(PriceSchema.safeParse(price).success).toBe(true);
  });

  it.each([
    ['three decimals', 11.999],
    ['a float sum that is not a cent amount', 0.1 + 0.2],
    ['a negative price', -1],
    ['a tiny fraction', 1e-7],
    ['more than MAX_PRICE', 1_000_000_000],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('refuses %s', (_label, price) => {
    expect(isPrice(price)).toBe(false);
    expect(PriceSchema.safeParse(price).success).toBe(false);
  });

  it('refuses a price given as a string: the wire keeps the original JSON number', () => {
    expect(PriceSchema.safeParse('11.99').success).toBe(false);
  });

  it.each([
    [11.99, 1199],
    [1.1, 110],
    [0.29, 29],
    [MAX_PRICE, 99_999_999_999],
  ])('converts %p to %p cents exactly and back', (price, cents) => {
    expect(priceToCents(price)).toBe(cents);
    expect(centsToPrice(cents)).toBe(price);
  });

  it('sums prices exactly in cents where float addition drifts', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(centsToPrice(priceToCents(0.1) + priceToCents(0.2))).toBe(0.3);
  });

  it.each([
    [1.99, '1.99'],
    [2, '2.00'],
    [11.9, '11.90'],
  ])('writes %p as the decimal string %p and reads it back', (price, text) => {
    expect(priceToDecimalString(price)).toBe(text);
    expect(priceFromDecimalString(text)).toBe(price);
  });

  it.each(['1.999', 'abc', '-1', '1e3', ''])('refuses the decimal string %p', (text) => {
    expect(() => priceFromDecimalString(text)).toThrow(RangeError);
  });

  it.each([[1.999], [-0.5]])('refuses to convert the invalid price %p', (price) => {
    expect(() => priceToCents(price)).toThrow(RangeError);
    expect(() => priceToDecimalString(price)).toThrow(RangeError);
  });

  it.each([[1.5], [-1]])('refuses %p as a number of cents', (cents) => {
    expect(() => centsToPrice(cents)).toThrow(RangeError);
  });
});
