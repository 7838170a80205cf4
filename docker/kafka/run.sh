#!/bin/sh
# Entry point of storefront/kafka: writes server.properties from the KAFKA_* environment
# (the official image's convention: strip KAFKA_, lower-case, then ___ → -, __ → _, _ → .),
# formats the log directory with CLUSTER_ID on the first start, then runs the broker.
set -eu
config=/opt/kafka/config/server.properties
classpath='/opt/kafka/libs/*'

# Variables that configure the JVM or this script, not the broker.
is_jvm_setting() {
  case "$1" in
    KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_JVM_PERFORMANCE_OPTS | KAFKA_GC_LOG_OPTS | KAFKA_JMX_OPTS | KAFKA_LOG4J_OPTS | KAFKA_VERSION) return 0 ;;
    *) return 1 ;;
  esac
}

: > "$config"
env | grep '^KAFKA_' | sort | while IFS='=' read -r name value; do
  is_jvm_setting "$name" && continue
  key="$(printf '%s' "${name#KAFKA_}" | tr '[:upper:]' '[:lower:]' | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g')"
  printf '%s=%s\n' "$key" "$value" >> "$config"
done

grep -q '^process.roles=' "$config" || {
  echo "run.sh: no KAFKA_PROCESS_ROLES: configure the broker through KAFKA_* variables" >&2
  exit 1
}
log_dirs="$(sed -n 's/^log.dirs=//p' "$config")"
: "${log_dirs:=/var/lib/kafka/data}"
grep -q '^log.dirs=' "$config" || echo "log.dirs=${log_dirs}" >> "$config"

# shellcheck disable=SC2086 # the *_OPTS variables hold several JVM flags each
java_opts="${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true} -Dorg.slf4j.simpleLogger.showDateTime=true ${KAFKA_OPTS:-}"

if [ ! -f "${log_dirs%%,*}/meta.properties" ]; then
  : "${CLUSTER_ID:?CLUSTER_ID is needed to format the storage on the first start}"
  # shellcheck disable=SC2086
  java -Xmx256m -cp "$classpath" kafka.tools.StorageTool format --ignore-formatted \
    -t "$CLUSTER_ID" -c "$config"
fi
# shellcheck disable=SC2086
exec java $java_opts -cp "$classpath" kafka.Kafka "$config"
