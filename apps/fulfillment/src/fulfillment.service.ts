import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type FulfillmentRequested, serviceSource, Topics } from '@storefront/events';
import {
  type CollectionRelay,
  createOutboxRecord,
  OutboxRelay,
  type WriteDecision,
} from '@storefront/messaging';
import { toOrderItemDoc } from '@storefront/model';
import {
  DomainError,
  isDuplicateKeyError,
  KeyIndex,
  type PageOf,
  PageQueryDto,
  readPage,
  RANDOM_SOURCE,
  type RandomSource,
} from '@storefront/platform';
import { isValidObjectId, type Model, Types } from 'mongoose';
import {
  type FulfillmentView,
  type StoredFulfillment,
  toFulfillmentView,
} from './dto/fulfillment.view';
import {
  FulfillmentErrors,
  fulfillmentNotFound,
  illegalStep,
  keptChanging,
  requestInvalid,
} from './fulfillment.errors';
import {
  checkRequestable,
  type FulfillmentStep,
  INITIAL_STATUS,
  ownStatusEvents,
  pickShippingMethod,
  STEP_RULES,
  transition,
} from './fulfillment.rules';
import { Fulfillment } from './schemas/fulfillment.schema';
import { FulfillmentKey } from './schemas/fulfillment-key.schema';

/** What consuming a fulfillment request did; the consumer reports it as its outcome. */
export type AcceptOutcome = 'applied' | 'duplicate';

/** Fields the paged collection can sort on. */
export const SORTABLE_FIELDS = [
  'timestamp',
  'status',
  'shippingMethod',
  'order.guid',
  'name.lastName',
] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OBJECT_ID = /^[0-9a-f]{24}$/i;
const SOURCE = serviceSource('fulfillment');

/** The stored form of a request: the whole history kept, prices as decimal strings. */
function newFulfillment(request: FulfillmentRequested): Omit<Fulfillment, 'outbox'> & {
  outbox: [];
} {
  return {
    timestamp: request.timestamp,
    name: { ...request.name },
    contact: { ...request.contact },
    address: { ...request.address },
    order: {
      guid: request.order.guid,
      orderStatusEvents: request.order.orderStatusEvents.map((event) => ({ ...event })),
      orderItems: request.order.orderItems.map(toOrderItemDoc),
    },
    status: INITIAL_STATUS,
    shippingMethod: null,
    version: 1,
    outbox: [],
  };
}

@Injectable()
export class FulfillmentService implements OnModuleInit {
  private readonly logger = new Logger(FulfillmentService.name);
  private readonly relay: CollectionRelay<Fulfillment>;
  private readonly fulfillmentKeys: KeyIndex<FulfillmentKey, 'fulfillmentId'>;

  constructor(
    @InjectModel(Fulfillment.name) private readonly model: Model<Fulfillment>,
    @InjectModel(FulfillmentKey.name) keys: Model<FulfillmentKey>,
    outbox: OutboxRelay,
    @Inject(RANDOM_SOURCE) private readonly random: RandomSource,
  ) {
    this.relay = outbox.watch(model);
    this.fulfillmentKeys = new KeyIndex(keys, 'fulfillmentId', 'order.guid');
  }

  /**
   * Before the first request is consumed: the unique index on the order guid, and a key for
   * every fulfillment an older version stored without one (a missing key then means none).
   */
  async onModuleInit(): Promise<void> {
    await this.model.init();
    const keyed = await this.fulfillmentKeys.backfill(this.model.collection);
    if (keyed > 0) this.logger.log(`keyed ${keyed} fulfillments stored without a key`);
  }

  /**
   * Starts the fulfillment of an approved order, once. The order's key is claimed first, with
   * the id the fulfillment gets, so a lookup by guid never has to search. A re-sent or
   * redelivered request finds the key taken and its fulfillment there, and changes nothing, so
   * a fulfillment that has moved on is never reset. A key without its fulfillment (the process
   * died between the two writes, or the document was lost: the consistency audit's
   * fulfillment-missing, repaired by orders re-sending the request) gets it now, under that id.
   * When two requests race, the unique indexes let one insert, and the other's 11000 means the
   * same: already there.
   */
  async accept(request: FulfillmentRequested): Promise<AcceptOutcome> {
    const guid = request.order.guid;
    const requestable = checkRequestable(request.order.orderStatusEvents);
    if (!requestable.ok) {
      throw requestInvalid(guid, requestable.reason);
    }
    const key = await this.fulfillmentKeys.claim(guid, new Types.ObjectId());
    if (key.claimed || !(await this.model.exists({ _id: key.id }).exec())) {
      try {
        await this.model.create({ _id: key.id, ...newFulfillment(request) });
        this.logger.log(`fulfillment of order ${guid} started`);
        return 'applied';
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        if (key.claimed) await this.keyUnkeyed(guid);
      }
    }
    this.logger.debug(`fulfillment request for order ${guid} ignored: already there`);
    return 'duplicate';
  }

  /** Moves one fulfillment (document id or order guid) one step, or says why it cannot. */
  async advance(idOrGuid: string, step: FulfillmentStep): Promise<FulfillmentView> {
    const id = await this.idFor(idOrGuid);
    return this.relay.readModifyWrite({
      load: () => this.load(id),
      decide: (current) => {
        if (!current) throw fulfillmentNotFound(idOrGuid);
        const decision = this.stepDecision(current, step, (view) => view);
        if (decision) return decision;
        const rule = STEP_RULES[step];
        throw illegalStep(idOrGuid, step, current.status, rule.from);
      },
      lostRace: () => keptChanging(idOrGuid),
    });
  }

  /**
   * The original's sample step: every fulfillment currently in the step's source status
   * moves, each through its own version-checked write with its own event. One that another
   * caller moved first is skipped, so concurrent calls never move a fulfillment twice.
   * Documents go in id order, so a seeded random source gives reproducible carriers.
   */
  async advanceAll(step: FulfillmentStep): Promise<number> {
    const { from } = STEP_RULES[step];
    const candidates = await this.model
      .find({ status: from }, { _id: 1 })
      .sort({ _id: 1 })
      .lean<Array<{ _id: Types.ObjectId }>>()
      .exec();
    let moved = 0;
    for (const { _id } of candidates) {
      const didMove = await this.relay
        .readModifyWrite({
          load: () => this.load(_id),
          decide: (current): WriteDecision<Fulfillment, boolean> =>
            (current &&
              current.status === from &&
              this.stepDecision(current, step, () => true)) || {
              write: false,
              result: false,
            },
          lostRace: () => keptChanging(String(_id)),
        })
        .catch((error: unknown) => {
          // Kept changing under other writers: theirs to move, as when it was moved first.
          if (error instanceof DomainError && error.code === FulfillmentErrors.VersionConflict) {
            return false;
          }
          throw error;
        });
      if (didMove) moved += 1;
    }
    this.logger.log(`${step}: ${moved} of ${candidates.length} fulfillments moved from ${from}`);
    return moved;
  }

  /**
   * Re-emits every status event this fulfillment produced (repair of orders' copy of the
   * history), through the outbox at the current version. Orders appends an event only once
   * (the same status at the same time is a duplicate), puts a missing one at its place in
   * time, and stores a history with a copy or out of order healed when one arrives. Statuses
   * are fulfillment's: it is the only service that produces them, so it re-emits them.
   */
  async republishStatuses(idOrGuid: string): Promise<{ id: string; events: number } | null> {
    let id: Types.ObjectId;
    try {
      id = await this.idFor(idOrGuid);
    } catch (error) {
      if (error instanceof DomainError && error.code === FulfillmentErrors.NotFound) return null;
      throw error;
    }
    return this.relay.readModifyWrite({
      load: () => this.load(id),
      decide: (current): WriteDecision<Fulfillment, { id: string; events: number } | null> => {
        if (!current) return { write: false, result: null };
        const guid = current.order.guid;
        const own = ownStatusEvents(current.order.orderStatusEvents);
        const result = { id: String(current._id), events: own.length };
        if (own.length === 0) return { write: false, result };
        const events = own.map((entry) =>
          createOutboxRecord(
            Topics.OrderStatusChange,
            {
              guid,
              orderStatusEvent: {
                timestamp: entry.timestamp,
                orderStatusType: entry.orderStatusType,
                note: entry.note ?? null,
              },
            },
            { source: SOURCE, occurredAt: new Date() },
          ),
        );
        return { write: 'republish', events, result };
      },
      lostRace: () => keptChanging(idOrGuid),
    });
  }

  async findAll(): Promise<FulfillmentView[]> {
    const docs = await this.model.find().sort({ _id: 1 }).lean<StoredFulfillment[]>().exec();
    return docs.map(toFulfillmentView);
  }

  /** One fulfillment, by document id or order guid. */
  async findOne(idOrGuid: string): Promise<StoredFulfillment> {
    const doc = await this.model
      .findById(await this.idFor(idOrGuid))
      .lean<StoredFulfillment>()
      .exec();
    if (!doc) throw fulfillmentNotFound(idOrGuid);
    return doc;
  }

  /** One page of fulfillments in the query's order, and how many there are in all. */
  async findPage(query: PageQueryDto): Promise<PageOf<StoredFulfillment>> {
    const paths = Object.fromEntries(SORTABLE_FIELDS.map((field) => [field, field]));
    const sorting = { paths, errorCode: FulfillmentErrors.SortInvalid };
    return readPage<Fulfillment, StoredFulfillment>(this.model, query, sorting);
  }

  private load(id: Types.ObjectId): Promise<StoredFulfillment | null> {
    return this.model.findById(id).lean<StoredFulfillment>().exec();
  }

  /**
   * The step as one write: new status, whole history, carrier, and its status event; the
   * answer is made from the stored fulfillment. Null when the step does not follow the
   * current status.
   */
  private stepDecision<R>(
    current: StoredFulfillment,
    step: FulfillmentStep,
    answer: (view: FulfillmentView) => R,
  ): WriteDecision<Fulfillment, R> | null {
    const result = transition(current, step, {
      now: Date.now(),
      chooseShippingMethod: () => pickShippingMethod(this.random),
    });
    if (!result.ok) return null;
    const { status, shippingMethod, statusEvent } = result.value;
    const guid = current.order.guid;
    return {
      write: 'update',
      change: {
        set: {
          status,
          shippingMethod,
          order: {
            ...current.order,
            orderStatusEvents: [...current.order.orderStatusEvents, statusEvent],
          },
        },
      },
      events: [
        createOutboxRecord(
          Topics.OrderStatusChange,
          { guid, orderStatusEvent: statusEvent },
          { source: SOURCE, occurredAt: new Date(statusEvent.timestamp) },
        ),
      ],
      result: (stored) => {
        this.logger.log(`order ${guid}: ${current.status} → ${status}`);
        return answer(toFulfillmentView(stored as StoredFulfillment));
      },
    };
  }

  /**
   * `{id}` is the document id (24 hex digits) or the order guid (a UUID), whose fulfillment is
   * found by its key, else by querying the guid (and keyed then).
   */
  private async idFor(idOrGuid: string): Promise<Types.ObjectId> {
    if (OBJECT_ID.test(idOrGuid) && isValidObjectId(idOrGuid)) {
      return new Types.ObjectId(idOrGuid);
    }
    if (!UUID.test(idOrGuid)) throw fulfillmentNotFound(idOrGuid);
    const id = await this.fulfillmentKeys.idOf(idOrGuid);
    if (!id) throw fulfillmentNotFound(idOrGuid);
    return id;
  }

  /**
   * A key claimed for a fulfillment that the order guid's unique index refused: that order's
   * fulfillment is there without its key, stored by a version that wrote keys afterwards and
   * not yet keyed by the start-up backfill (such a version still running beside this one).
   * The key is set to it, found by the one query on the guid.
   */
  private async keyUnkeyed(guid: string): Promise<void> {
    const existing = await this.model
      .findOne({ 'order.guid': guid }, { _id: 1 })
      .lean<{ _id: Types.ObjectId }>()
      .exec();
    if (existing) await this.fulfillmentKeys.mend(guid, existing._id);
  }
}
