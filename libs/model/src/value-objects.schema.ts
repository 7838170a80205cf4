import { Prop, Schema } from '@nestjs/mongoose';
import {
  ADDRESS_TYPES,
  ORDER_STATUS_TYPES,
  type AddressType,
  type OrderStatusType,
} from '@storefront/events';

/*
 * The contract's value objects as every service stores them, declared once. An optional text
 * is stored as given: accounts leaves it out when empty, as the original did; orders and
 * fulfillment store the event's explicit null. Readers go through `contractShape`, which
 * turns an absent one into null.
 */

@Schema({ _id: false })
export class NameDoc {
  @Prop({ required: true }) title!: string;
  @Prop({ required: true }) firstName!: string;
  @Prop({ type: String }) middleName?: string | null;
  @Prop({ required: true }) lastName!: string;
  @Prop({ type: String }) suffix?: string | null;
}

@Schema({ _id: false })
export class ContactDoc {
  @Prop({ required: true }) primaryPhone!: string;
  @Prop({ type: String }) secondaryPhone?: string | null;
  @Prop({ required: true }) email!: string;
}

@Schema({ _id: false })
export class AddressDoc {
  @Prop({ type: String, enum: ADDRESS_TYPES, required: true }) type!: AddressType;
  @Prop({ required: true }) description!: string;
  @Prop({ required: true }) address1!: string;
  @Prop({ type: String }) address2?: string | null;
  @Prop({ required: true }) city!: string;
  @Prop({ required: true }) state!: string;
  @Prop({ required: true }) postalCode!: string;
}

@Schema({ _id: false })
export class ProductDoc {
  @Prop({ required: true }) guid!: string;
  @Prop({ required: true }) title!: string;
  @Prop({ required: true }) description!: string;
  /** Exact decimal string (`"11.99"`), as the original stored BigDecimal; a number in JSON. */
  @Prop({ required: true }) price!: string;
}

@Schema({ _id: false })
export class OrderItemDoc {
  @Prop({ type: ProductDoc, required: true }) product!: ProductDoc;
  @Prop({ required: true }) quantity!: number;
}

@Schema({ _id: false })
export class OrderStatusEventDoc {
  @Prop({ required: true }) timestamp!: number;
  @Prop({ type: String, enum: ORDER_STATUS_TYPES, required: true })
  orderStatusType!: OrderStatusType;
  @Prop({ type: String, default: null }) note!: string | null;
}

/** The contract's order as stored; a service that keeps more per order extends it. */
@Schema({ _id: false })
export class OrderDoc {
  @Prop({ required: true }) guid!: string;
  /** The full status history, oldest first; the last entry is the current status. */
  @Prop({ type: [OrderStatusEventDoc], required: true })
  orderStatusEvents!: OrderStatusEventDoc[];
  @Prop({ type: [OrderItemDoc], required: true }) orderItems!: OrderItemDoc[];
}
