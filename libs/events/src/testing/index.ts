/*
 * `@storefront/events/testing`: what tests and tools use and a running service never loads,
 * the payload fixtures and the released schema snapshots.
 */
export * as fixtures from '../fixtures';
export * from './schema-compatibility';
export * from './schema-snapshots';
