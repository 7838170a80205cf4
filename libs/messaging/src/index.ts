export * from './messaging.module';
export * from './messaging.metrics';
export {
  KAFKA_SASL_MECHANISMS,
  KafkaConnection,
  KafkaUnavailableError,
} from './kafka/kafka-connection';
export type {
  KafkaConnectionOptions,
  KafkaSaslCredentials,
  OutgoingRecord,
} from './kafka/kafka-connection';
export { KafkaHealthIndicator } from './kafka/kafka.health';
export {
  authorizationProblem,
  createTopicsWithLeaders,
  KafkaAuthorizationError,
} from './kafka/topics';
export * from './outbox/outbox-record';
export * from './outbox/outbox.schema';
export * from './outbox/outbox-write';
export * from './outbox/collection-relay';
export * from './outbox/outbox.relay';
export * from './outbox/read-modify-write';
export * from './outbox/outbox.health';
export * from './consumer/kafka-event.server';
export * from './consumer/kafka-consumer.health';
export * from './consumer/kafka-event.context';
export * from './consumer/event-errors';
export * from './consumer/connect-event-consumer';
export { deadLetterRecord } from './consumer/dead-letter';
export type { DeadLetterCause, FailedRecord } from './consumer/dead-letter';
export * from './apply/replica';
export { backoffDelay, type BackoffOptions } from './util/backoff';
export { useDocumentLocks, withDocumentLock, withKeyLock } from './util/document-lock';
