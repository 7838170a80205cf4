import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { serviceSource, Topics } from '@storefront/events';
import {
  type CollectionRelay,
  createOutboxRecord,
  type OutboxEvent,
  OutboxRelay,
  type WriteDecision,
} from '@storefront/messaging';
import { DomainError, type PageOf, type PageQueryDto, readPage } from '@storefront/platform';
import { type FilterQuery, Model, Types } from 'mongoose';
import { CardCipher } from './card.cipher';
import {
  AccountsErrors,
  cardNumberInvalid,
  customerNotFound,
  lostRace,
  versionConflict,
} from './customer.errors';
import {
  applyPatch,
  compactCustomer,
  type CreditCard,
  type CustomerInput,
  type CustomerPatch,
  customerChanged,
  type CustomerState,
  type CustomerSummaryView,
  maskCardNumber,
  type StoredCustomer,
  resolveCardNumbers,
  SORTABLE_FIELDS,
  summaryView,
} from './customer.rules';
import { sampleCustomers } from './customers.sample';
import { Customer, type CustomerRecord } from './schemas/customer.schema';

const SOURCE = serviceSource('accounts');
/** Deleted customers stay as markers without personal data; readers never see them. */
const LIVE: FilterQuery<Customer> = { deletedAt: { $exists: false } };
const OBJECT_ID = /^[0-9a-f]{24}$/i;

export type CustomerWrite = CustomerInput & { version?: number };

/** What a republish queued for one customer (see `CustomersService.republish`). */
export interface Republished {
  id: string;
  outcome: 'state' | 'tombstone' | 'not-found';
  /** The aggregate version the event carries. */
  version?: number;
}

function toState(record: CustomerRecord): CustomerState {
  return {
    id: record._id.toHexString(),
    name: record.name ?? { title: '', firstName: '', lastName: '' },
    contact: record.contact ?? { primaryPhone: '', email: '' },
    addresses: record.addresses ?? [],
    creditCards: record.creditCards ?? [],
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function maskedCard(card: CreditCard): CreditCard {
  return { ...card, number: maskCardNumber(card.number) };
}

function withoutVersion(write: CustomerWrite): CustomerInput {
  return {
    name: write.name,
    contact: write.contact,
    addresses: write.addresses,
    creditCards: write.creditCards,
  };
}

/**
 * Customers, the system of record. Every write goes through the outbox: the change and its
 * event (the state without cards, or a tombstone) are one single-document write, and the
 * relay publishes right after it. There is no write path that skips the event.
 */
@Injectable()
export class CustomersService {
  private readonly relay: CollectionRelay<Customer>;

  constructor(
    @InjectModel(Customer.name) private readonly model: Model<Customer>,
    @Inject(CardCipher) private readonly cipher: CardCipher,
    outbox: OutboxRelay,
  ) {
    this.relay = outbox.watch(model);
  }

  async findPage(query: PageQueryDto): Promise<PageOf<CustomerState>> {
    const sorting = { paths: SORTABLE_FIELDS, errorCode: AccountsErrors.SortInvalid };
    const page = await readPage<Customer, CustomerRecord>(this.model, query, sorting, LIVE);
    return { items: page.items.map(toState), total: page.total };
  }

  async summary(): Promise<CustomerSummaryView[]> {
    const records = await this.model.find(LIVE).sort({ _id: 1 }).lean<CustomerRecord[]>().exec();
    return records.map((record) => summaryView(toState(record)));
  }

  async findOne(id: string): Promise<CustomerState> {
    const record = await this.read(id);
    if (!record) throw customerNotFound(id);
    return toState(record);
  }

  async create(write: CustomerWrite): Promise<CustomerState> {
    return this.insert(new Types.ObjectId(), withoutVersion(write));
  }

  /** `expected`: the version the request names (If-Match or the body), undefined for none. */
  async replace(id: string, write: CustomerWrite, expected?: number): Promise<CustomerState> {
    return this.change(id, expected, () => withoutVersion(write));
  }

  async patch(id: string, patch: CustomerPatch, expected?: number): Promise<CustomerState> {
    return this.change(id, expected, (current) => applyPatch(current, patch));
  }

  async remove(id: string, expected?: number): Promise<void> {
    await this.change(id, expected, () => 'delete');
  }

  /**
   * Replaces all customers with the original's three, through the normal write paths: every
   * other customer is deleted (a tombstone each), then each sample customer is updated in
   * place or created under its fixed id (a change event each).
   */
  async loadSample(): Promise<void> {
    const samples = sampleCustomers();
    const keep = new Set(samples.map((sample) => sample.id));
    const others = await this.model
      .find({ ...LIVE, _id: { $nin: [...keep].map((id) => new Types.ObjectId(id)) } })
      .select({ _id: 1 })
      .lean<Array<{ _id: Types.ObjectId }>>()
      .exec();
    for (const other of others) {
      await this.remove(other._id.toHexString()).catch((error: unknown) => {
        // Deleted by someone else meanwhile: that is the state we want.
        if (!(error instanceof DomainError && error.code === AccountsErrors.NotFound)) throw error;
      });
    }
    for (const sample of samples) await this.upsert(sample.id, sample.customer);
  }

  /**
   * Re-emits a customer's current state through the outbox (repair of a replica that drifted):
   * the state without cards, or a tombstone for a deleted customer, at the current version,
   * so a replica that is already current ignores it. `replicaVersion` is what the replica
   * holds when that is the current version or a later one with other content: the event then
   * carries `replicaVersion + 1`, and the document takes that version in the same write, so the
   * version sequence stays the one replicas have seen. A replica of a customer accounts never
   * had (or lost) gets a tombstone: a deleted marker at `replicaVersion + 1` is written with it.
   */
  async republish(id: string, replicaVersion?: number): Promise<Republished> {
    if (!OBJECT_ID.test(id)) return { id, outcome: 'not-found' };
    const _id = new Types.ObjectId(id);
    return this.relay.readModifyWrite({
      load: () => this.model.findById(_id).lean<CustomerRecord>().exec(),
      decide: (current): WriteDecision<Customer, Republished> => {
        if (!current) {
          if (replicaVersion === undefined)
            return { write: false, result: { id, outcome: 'not-found' } };
          const version = replicaVersion + 1;
          const marker: Pick<Customer, 'deletedAt'> & { _id: Types.ObjectId } = {
            _id,
            deletedAt: new Date(),
          };
          return {
            write: 'insert',
            doc: marker,
            version,
            events: this.tombstone(id),
            result: { id, outcome: 'tombstone', version },
          };
        }
        const version =
          replicaVersion !== undefined && replicaVersion >= current.version
            ? replicaVersion + 1
            : current.version;
        const deleted = current.deletedAt !== undefined && current.deletedAt !== null;
        return {
          write: 'republish',
          newVersion: version,
          events: deleted
            ? this.tombstone(id)
            : this.changeEvent(id, {
                name: current.name ?? { title: '', firstName: '', lastName: '' },
                contact: current.contact ?? { primaryPhone: '', email: '' },
                addresses: current.addresses ?? [],
                creditCards: [],
              }),
          result: { id, outcome: deleted ? 'tombstone' : 'state', version },
        };
      },
      lostRace: () => lostRace(id, undefined),
    });
  }

  /** Live customers only: deleted markers and ids that are no ObjectId are "not found". */
  private async read(id: string): Promise<CustomerRecord | null> {
    if (!OBJECT_ID.test(id)) return null;
    return this.model
      .findOne({ ...LIVE, _id: new Types.ObjectId(id) })
      .lean<CustomerRecord>()
      .exec();
  }

  private changeEvent(id: string, customer: CustomerInput): OutboxEvent[] {
    return [
      createOutboxRecord(Topics.CustomerChange, customerChanged(id, customer), { source: SOURCE }),
    ];
  }

  private tombstone(id: string): OutboxEvent[] {
    return [createOutboxRecord(Topics.CustomerChange, null, { source: SOURCE, key: id })];
  }

  private sealCards(customer: CustomerInput, stored: CustomerInput['creditCards']): StoredCustomer {
    const cards = resolveCardNumbers(customer.creditCards, stored, (number) =>
      this.cipher.seal(number),
    );
    if (!cards.ok) throw cardNumberInvalid(cards.message);
    return compactCustomer({ ...customer, creditCards: cards.value });
  }

  private async insert(id: Types.ObjectId, input: CustomerInput): Promise<CustomerState> {
    const customer = this.sealCards(input, []);
    // The id is chosen here (fixed for the sample customers), not by the database.
    const doc: StoredCustomer & { _id: Types.ObjectId } = { _id: id, ...customer };
    const created = await this.relay.insert(doc, this.changeEvent(id.toHexString(), customer));
    return toState(created as CustomerRecord);
  }

  /**
   * Read, apply, write guarded by the version read. With an expected version a lost race is
   * a conflict for the client to resolve; without one (last writer wins, as in the original)
   * it re-reads and tries again. `apply` returns the new input, or 'delete'.
   */
  private change(
    id: string,
    expected: number | undefined,
    apply: (current: CustomerInput) => CustomerInput | 'delete',
  ): Promise<CustomerState> {
    return this.relay.readModifyWrite({
      load: () => this.read(id),
      decide: (current) => {
        if (!current) throw customerNotFound(id);
        if (expected !== undefined && current.version !== expected) {
          throw versionConflict(id, expected, current.version);
        }
        // The change sees cards as clients do, masked: a card it keeps resolves back to the
        // stored (sealed) number, exactly as a masked number sent by a client does.
        const state = toState(current);
        const next = apply({ ...state, creditCards: state.creditCards.map(maskedCard) });
        return next === 'delete' ? this.deleteDecision(current) : this.writeDecision(current, next);
      },
      attempts: expected === undefined ? undefined : 1,
      lostRace: (current) => lostRace(id, expected ?? current?.version),
    });
  }

  private writeDecision(
    current: CustomerRecord,
    input: CustomerInput,
  ): WriteDecision<Customer, CustomerState> {
    const customer = this.sealCards(input, current.creditCards ?? []);
    return {
      write: 'update',
      change: { set: customer, unset: ['deletedAt'] },
      events: this.changeEvent(current._id.toHexString(), customer),
      result: (stored) => toState(stored as CustomerRecord),
    };
  }

  /**
   * A delete keeps the document as a marker (id, version, deletedAt) and removes the personal
   * data; the tombstone leaves through the outbox. The marker keeps the version sequence, so
   * a customer re-created under the same id (the sample ids) publishes newer versions than
   * its tombstone and replicas do not discard it as stale.
   */
  private deleteDecision(current: CustomerRecord): WriteDecision<Customer, CustomerState> {
    return {
      write: 'update',
      change: {
        set: { deletedAt: new Date() },
        unset: ['name', 'contact', 'addresses', 'creditCards'],
      },
      events: this.tombstone(current._id.toHexString()),
      result: (stored) => toState(stored as CustomerRecord),
    };
  }

  /** Creates or updates one customer under a fixed id, deleted marker included. */
  private async upsert(id: string, input: CustomerInput): Promise<void> {
    const _id = new Types.ObjectId(id);
    await this.relay.readModifyWrite({
      load: () => this.model.findById(_id).lean<CustomerRecord>().exec(),
      decide: (current): WriteDecision<Customer, unknown> => {
        if (current) return this.writeDecision(current, input);
        const customer = this.sealCards(input, []);
        const doc: StoredCustomer & { _id: Types.ObjectId } = { _id, ...customer };
        return { write: 'insert', doc, events: this.changeEvent(id, customer), result: undefined };
      },
      lostRace: () => lostRace(id, undefined),
    });
  }
}
