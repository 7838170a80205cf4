import {
  type Address,
  AddressSchema,
  type Contact,
  ContactSchema,
  contractShape,
  type CustomerChangedInput,
  type Name,
  NameSchema,
} from '@storefront/events';
import type { RuleResult } from '@storefront/platform';
import { storedCardLast4 } from './card.cipher';

/** Card kinds, spelled as the original's `CreditCardType` enum names. */
export const CREDIT_CARD_TYPES = ['PRIMARY', 'ALTERNATE'] as const;
export type CreditCardType = (typeof CREDIT_CARD_TYPES)[number];

type NullableKeys<T> = { [K in keyof T]-?: null extends T[K] ? K : never }[keyof T];
/** Optional texts may be absent (as stored) or null (as sent and shown). */
type Loose<T> = Omit<T, NullableKeys<T>> & { [K in NullableKeys<T>]?: T[K] | undefined };
/** Optional texts absent, never null: the stored form. */
type Compact<T> = Omit<T, NullableKeys<T>> & { [K in NullableKeys<T>]?: Exclude<T[K], null> };

export type NameInput = Loose<Name>;
export type ContactInput = Loose<Contact>;
export type AddressInput = Loose<Address>;

export interface CreditCard {
  type: CreditCardType;
  description: string;
  /** As sent: a full number, or the masked form of a stored card. As stored: plain or sealed. */
  number: string;
  expiration: string;
  nameOnCard: string;
}

/** What a client writes: the original's `Customer` without its id. */
export interface CustomerInput {
  name: NameInput;
  contact: ContactInput;
  addresses: AddressInput[];
  creditCards: CreditCard[];
}

/** What goes into the document: absent optional fields left out, card numbers plain or sealed. */
export interface StoredCustomer {
  name: Compact<Name>;
  contact: Compact<Contact>;
  addresses: Array<Compact<Address>>;
  creditCards: CreditCard[];
}

/** A customer as stored, card numbers plain or sealed. */
export interface CustomerState extends CustomerInput {
  id: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface CardView extends Omit<CreditCard, 'number'> {
  /** Always masked: twelve asterisks and the last four digits. */
  number: string;
}

/** The original's `Customer` JSON, cards masked, nulls explicit like Jackson writes them. */
export interface CustomerSummaryView {
  id: string;
  name: Name;
  contact: Contact;
  addresses: Address[];
  creditCards: CardView[];
}

export interface CustomerView extends CustomerSummaryView {
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const MASK = '************';
/** 12 to 19 digits, optionally grouped with single spaces or dashes. */
export const CARD_NUMBER_PATTERN = /^\d(?:[ -]?\d){11,18}$/;
export const MASKED_CARD_NUMBER_PATTERN = /^\*{12}\d{4}$/;
/** M/YY or MM/YYYY, as the original's sample cards ("6/19"). */
export const CARD_EXPIRATION_PATTERN = /^(0?[1-9]|1[0-2])\/(\d{2}|\d{4})$/;

export function maskCardNumber(stored: string): string {
  return `${MASK}${storedCardLast4(stored)}`;
}

function withoutEmpty<T extends object>(value: T): Compact<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== null && field !== undefined),
  ) as Compact<T>;
}

/** Name, contact and addresses in the contract's shape: nulls explicit, as Jackson writes them. */
function contractValues(customer: CustomerInput): {
  name: Name;
  contact: Contact;
  addresses: Address[];
} {
  return {
    name: contractShape(NameSchema, customer.name),
    contact: contractShape(ContactSchema, customer.contact),
    addresses: customer.addresses.map((address) => contractShape(AddressSchema, address)),
  };
}

/** The stored form: like the original, absent optional fields are left out of the document. */
export function compactCustomer(input: CustomerInput): StoredCustomer {
  const { name, contact, addresses } = contractValues(input);
  return {
    name: withoutEmpty(name),
    contact: withoutEmpty(contact),
    addresses: addresses.map((address) => withoutEmpty(address)),
    creditCards: input.creditCards.map((card) => ({
      type: card.type,
      description: card.description,
      number: card.number,
      expiration: card.expiration,
      nameOnCard: card.nameOnCard,
    })),
  };
}

export function cardView(card: CreditCard): CardView {
  return {
    type: card.type,
    description: card.description,
    number: maskCardNumber(card.number),
    expiration: card.expiration,
    nameOnCard: card.nameOnCard,
  };
}

export function summaryView(customer: CustomerState): CustomerSummaryView {
  return {
    id: customer.id,
    ...contractValues(customer),
    creditCards: customer.creditCards.map(cardView),
  };
}

export function customerView(customer: CustomerState): CustomerView {
  return {
    ...summaryView(customer),
    version: customer.version,
    createdAt: customer.createdAt.toISOString(),
    updatedAt: customer.updatedAt.toISOString(),
  };
}

/** The `accounts.customer.change` payload: the customer's state without its cards. */
export function customerChanged(id: string, customer: CustomerInput): CustomerChangedInput {
  return { id, ...contractValues(customer) };
}

/**
 * Resolves the card numbers of a write. A full number is sealed; a masked number (what every
 * response shows) keeps the stored card it names, so a client can send back what it read.
 * It names the stored card at the same position when that one matches, else the only stored
 * card with those last four digits.
 */
export function resolveCardNumbers(
  incoming: readonly CreditCard[],
  stored: readonly CreditCard[],
  seal: (number: string) => string,
): RuleResult<CreditCard[]> {
  const cards: CreditCard[] = [];
  for (const [index, card] of incoming.entries()) {
    if (!MASKED_CARD_NUMBER_PATTERN.test(card.number)) {
      cards.push({ ...card, number: seal(card.number) });
      continue;
    }
    const same = stored[index];
    const candidates = stored.filter((existing) => maskCardNumber(existing.number) === card.number);
    const match =
      same && maskCardNumber(same.number) === card.number
        ? same
        : candidates.length === 1
          ? candidates[0]
          : undefined;
    if (!match) {
      return {
        ok: false,
        field: `creditCards.${index}.number`,
        message:
          candidates.length > 1
            ? `creditCards.${index}.number: masked number ${card.number} matches several stored cards; send the full number`
            : `creditCards.${index}.number: masked number ${card.number} matches no stored card of this customer; send the full number`,
      };
    }
    cards.push({ ...card, number: match.number });
  }
  return { ok: true, value: cards };
}

export interface CustomerPatch {
  name?: Partial<NameInput>;
  contact?: Partial<ContactInput>;
  addresses?: AddressInput[];
  creditCards?: CreditCard[];
}

function mergeObject<T extends object>(current: T, patch: Partial<T> | undefined): T {
  if (!patch) return current;
  const merged: T = { ...current };
  for (const key of Object.keys(patch) as Array<keyof T>) {
    const value = patch[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/**
 * JSON merge patch (RFC 7396), like Spring Data REST's PATCH: objects merge field by field,
 * a null clears an optional field, arrays are replaced as a whole.
 */
export function applyPatch(current: CustomerInput, patch: CustomerPatch): CustomerInput {
  return {
    name: mergeObject(current.name, patch.name),
    contact: mergeObject(current.contact, patch.contact),
    addresses: patch.addresses ?? current.addresses,
    creditCards: patch.creditCards ?? current.creditCards,
  };
}

/** The largest version a client may name (If-Match or body): fifteen digits, exact as a double. */
export const MAX_VERSION = 999_999_999_999_999;

/** Paths clients may sort the collection by, mapped to stored paths. */
export const SORTABLE_FIELDS: Readonly<Record<string, string>> = {
  id: '_id',
  'name.lastName': 'name.lastName',
  'name.firstName': 'name.firstName',
  'name.title': 'name.title',
  'contact.email': 'contact.email',
  version: 'version',
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
};
