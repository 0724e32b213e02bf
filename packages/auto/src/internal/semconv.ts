/**
 * Messaging attribute names of the OpenTelemetry semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/). They are still
 * "development" status, which the semantic-conventions package exports only from its `incubating`
 * entry point with a warning to copy rather than import them: a minor release may rename them.
 */

/** The messaging system as the instrumentation knows it. */
export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
/** The queue, topic or channel. */
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
/** The system-specific operation name (required by the conventions). */
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
/** One of `create`, `send`, `receive`, `process`, `settle`. */
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
/** The message id the system assigned. */
export const ATTR_MESSAGING_MESSAGE_ID = 'messaging.message.id';
/** Size of the message body in bytes. */
export const ATTR_MESSAGING_MESSAGE_BODY_SIZE = 'messaging.message.body.size';
/** The consumer group of the consumer. */
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name';
/** Low-cardinality class of the error an operation ended with (stable). */
export const ATTR_ERROR_TYPE = 'error.type';
