import { randomBytes } from 'node:crypto';
import { CardCipher, cardKeySchema, isSealed, storedCardLast4 } from './card.cipher';

describe('cardKeySchema', () => {
  const key = randomBytes(32);

  it.each([
    ['hex', key.toString('hex')],
    ['base64', key.toString('base64')],
    ['base64url', key.toString('base64url')],
  ])('accepts a 32-byte key in %s', (_encoding, text) => {
    expect(cardKeySchema.parse(text).equals(key)).toBe(true);
  });

  it.each([
    ['too short', randomBytes(16).toString('base64')],
    ['too long', randomBytes(48).toString('hex')],
    ['not a key', 'correct horse battery staple'],
  ])('refuses a key that is %s', (_case, text) => {
    expect(cardKeySchema.safeParse(text).success).toBe(false);
  });
});

describe('CardCipher', () => {
  const number = '9999-8888-7777-6666';

  it('seals with a key: no digits beyond the last four in the stored form, and opens again', () => {
    const cipher = new CardCipher(randomBytes(32));
    const sealed = cipher.seal(number);
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('9999');
    expect(sealed).not.toContain('7777');
    expect(storedCardLast4(sealed)).toBe('6666');
    expect(cipher.open(sealed)).toBe(number);
  });

  it('uses a fresh IV, so one number never seals to the same text twice', () => {
    const cipher = new CardCipher(randomBytes(32));
    expect(cipher.seal(number)).not.toBe(cipher.seal(number));
  });

  it('passes numbers through without a key, like the original', () => {
    const cipher = new CardCipher(undefined);
    expect(cipher.seal(number)).toBe(number);
    expect(cipher.open(number)).toBe(number);
  });

  it('detects a tampered last four (authenticated data) and a wrong key', () => {
    const cipher = new CardCipher(randomBytes(32));
    const sealed = cipher.seal(number);
    expect(() => cipher.open(sealed.replace(':6666:', ':1111:'))).toThrow();
    expect(() => new CardCipher(randomBytes(32)).open(sealed)).toThrow();
    expect(() => new CardCipher(undefined).open(sealed)).toThrow(/CARD_ENCRYPTION_KEY/);
  });
});
