/**
 * Most ids one bulk republish request (accounts, orders, fulfillment; the audit's `--repair`
 * sends batches of this size) may name: each id is a read-modify-write, and an unknown order
 * guid falls back to a query, so a larger batch outran the gateway's timeout (a 504).
 */
export const MAX_REPUBLISH_BATCH = 10;
