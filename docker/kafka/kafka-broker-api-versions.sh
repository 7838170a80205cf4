#!/bin/sh
# As in the official image: asks the broker for its API versions (a real client round trip).
# shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds JVM flags
exec java ${KAFKA_HEAP_OPTS:--Xmx64m} -cp '/opt/kafka/libs/*' org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
