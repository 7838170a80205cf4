import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const KEY_BYTES = 32;
const ENVELOPE_PREFIX = 'enc:v1:';
/** enc:v1:<last four>:<iv>:<ciphertext>:<tag>, binary parts base64url. */
const ENVELOPE = /^enc:v1:(\d{4}):([\w-]+):([\w-]+):([\w-]+)$/;

/**
 * CARD_ENCRYPTION_KEY: 32 bytes as 64 hex characters or as base64 / base64url. Checked at
 * start-up, so a truncated or mistyped key stops the app instead of failing at the first write.
 */
export const cardKeySchema = z.string().transform((value, context): Buffer => {
  const text = value.trim();
  const key = /^[0-9a-f]{64}$/i.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(text)
      ? Buffer.from(text, 'base64')
      : undefined;
  if (key?.length !== KEY_BYTES) {
    context.addIssue({
      code: 'custom',
      message:
        'expected a 32-byte key as 64 hex characters or base64 (e.g. `openssl rand -base64 32`)',
    });
    return z.NEVER;
  }
  return key;
});

function digitsOf(number: string): string {
  return number.replace(/\D/g, '');
}

/** The last four digits of a stored card number, plain or sealed; never needs the key. */
export function storedCardLast4(stored: string): string {
  const envelope = ENVELOPE.exec(stored);
  return envelope ? envelope[1] : digitsOf(stored).slice(-4);
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(ENVELOPE_PREFIX);
}

/**
 * Seals card numbers with AES-256-GCM when a key is configured, and passes them through
 * otherwise (the original stored them in clear). The last four digits stay readable in the
 * envelope, bound to the ciphertext as authenticated data, so masking a number for a
 * response never needs the key and a swapped last four fails authentication.
 */
export class CardCipher {
  constructor(private readonly key: Buffer | undefined) {}

  get encrypting(): boolean {
    return this.key !== undefined;
  }

  seal(number: string): string {
    if (!this.key) return number;
    const last4 = digitsOf(number).slice(-4);
    const header = `${ENVELOPE_PREFIX}${last4}`;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    cipher.setAAD(Buffer.from(header, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(number, 'utf8'), cipher.final()]);
    const parts = [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url'));
    return `${header}:${parts.join(':')}`;
  }

  /** The full number; only for payment integrations and tests, never for a response. */
  open(stored: string): string {
    const envelope = ENVELOPE.exec(stored);
    if (!envelope) return stored;
    if (!this.key) throw new Error('card number is encrypted and no CARD_ENCRYPTION_KEY is set');
    const [, last4, iv, ciphertext, tag] = envelope;
    const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${ENVELOPE_PREFIX}${last4}`, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }
}

/** Variables of card encryption; merge into the app's config schema. */
export const cardEncryptionConfigSchema = z.object({
  /** 32-byte AES key (hex or base64); unset, card numbers are stored in clear like the original. */
  CARD_ENCRYPTION_KEY: cardKeySchema.optional(),
});
