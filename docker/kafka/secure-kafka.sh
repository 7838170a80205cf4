#!/usr/bin/env bash
# The stack's Kafka entry point (a Docker config in docker-compose-middleware.yml, so the same
# script runs in the official apache/kafka image and in our storefront/kafka; both have bash,
# java and the broker's jars in /opt/kafka/libs).
#
#   secure-kafka.sh          start the broker: SASL_PLAINTEXT + SCRAM-SHA-512 on the client
#                            listener, StandardAuthorizer, then users, ACLs and topics
#   secure-kafka.sh health   the health check: setup finished and an authenticated round trip
#
# 1. server.properties from the KAFKA_* environment (the images' convention: strip KAFKA_,
#    lower-case, then ___ → -, __ → _, _ → .), plus the JAAS settings of every SASL listener,
#    written from the secrets into a private folder.
# 2. On the first start, the storage is formatted with every SCRAM user (--add-scram): the
#    broker authenticates its own inter-broker connection as the first user (admin).
# 3. The broker starts; once it answers, the setup below runs as admin, each step idempotent:
#    SCRAM users whose secret changed since the last start (upsert), the ACLs, the topics of
#    the contract (libs/events/src/topics.ts). A fingerprint of the secrets and of these
#    tables in the data folder skips the setup (its JVMs) when nothing changed.
# 4. A ready marker: only then does the health check pass.
#
# Environment: SCRAM_USERS ("name=/run/secrets/file ..."; the first is the super user),
# CLUSTER_ID, KAFKA_* (broker settings), KAFKA_HEAP_OPTS and the other *_OPTS of the images.
# The controller listener stays PLAINTEXT and on localhost: its principal (User:ANONYMOUS,
# the broker registering with its own controller) must be a super user. The script adds one
# more listener, LOCAL on 127.0.0.1:9094, PLAINTEXT as well, for its own setup: it works
# whatever the admin's password was (a rotated admin secret is applied through it). Only a
# process inside this container reaches either.
set -euo pipefail

# ---------------------------------------------------------------- the contract
# Topics: name, partitions, configs (comma-separated, or -). Checked against
# libs/events/src/topics.ts by tools/stack/stack.spec.ts.
TOPICS=(
  'accounts.customer.change 3 cleanup.policy=compact'
  'accounts.customer.change.dlt 3 -'
  'orders.order.fulfill 3 -'
  'orders.order.fulfill.dlt 3 -'
  'fulfillment.order.change 3 -'
  'fulfillment.order.change.dlt 3 -'
)
# ACLs: principal, operations, resource type (topic, group, cluster), names ('*': all; -
# for the cluster). Each line is one kafka-acls call (one JVM), granting every operation on
# every name. The same rules as the messaging library's table (libs/events/src/acls.ts; WRITE
# and READ imply DESCRIBE); tools/stack/stack.spec.ts compares them.
ACLS=(
  'accounts Write,DescribeConfigs topic accounts.customer.change'
  'orders Read,Describe,DescribeConfigs topic accounts.customer.change,fulfillment.order.change'
  'orders Write,DescribeConfigs topic orders.order.fulfill,accounts.customer.change.dlt,fulfillment.order.change.dlt'
  'orders Read group orders'
  'fulfillment Read,Describe,DescribeConfigs topic orders.order.fulfill'
  'fulfillment Write,DescribeConfigs topic fulfillment.order.change,orders.order.fulfill.dlt'
  'fulfillment Read group fulfillment'
  'kafka-ui Read,Describe,DescribeConfigs topic *'
  'kafka-ui Describe group *'
  'kafka-ui Describe,DescribeConfigs cluster -'
)

# ---------------------------------------------------------------- paths and helpers
PRIVATE="${KAFKA_SETUP_DIR:-/tmp/storefront-kafka}"
CONFIG="$PRIVATE/server.properties"
CLIENT_CONFIG="$PRIVATE/admin.properties"
READY="$PRIVATE/ready"
CLASSPATH_LIBS='/opt/kafka/libs/*'
BOOTSTRAP=localhost:9092
LOCAL=127.0.0.1:9094
MECHANISM=SCRAM-SHA-512

log() { printf '%s secure-kafka: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# A short-lived JVM for one tool: small heap, quick start.
tool() { # class args...
  local class="$1"
  shift
  java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
    -Dlog4j2.level=WARN -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$CLASSPATH_LIBS" "$class" "$@"
}

# Runs a command; shows its output only when it fails, with any password masked (the Kafka
# tools print their arguments on errors).
# shellcheck disable=SC2317 # called through retry
quiet() {
  local output
  if output="$("$@" 2>&1)"; then return 0; fi
  printf '%s\n' "$output" | sed -E 's/password=[^],]*/password=****/g' | tail -n 5 >&2
  return 1
}

# A tool call the broker may not answer yet, right after its start.
retry() {
  local _
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    "$@" && return 0
    kill -0 "${broker:-$$}" 2> /dev/null || return 1
    log "retrying in 2 s: ${3:-$1}"
    sleep 2
  done
  return 1
}

if [[ "${1:-}" == health ]]; then
  [[ -f "$READY" ]] || exit 1
  tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$BOOTSTRAP" \
    --command-config "$CLIENT_CONFIG" > /dev/null
  exit 0
fi

# name=file pairs; the first is the super user.
read -r -a users <<< "${SCRAM_USERS:?SCRAM_USERS names the SCRAM users and their secret files}"
password_of() { # name
  local entry
  for entry in "${users[@]}"; do
    if [[ "${entry%%=*}" == "$1" ]]; then
      tr -d '\r\n' < "${entry#*=}"
      return 0
    fi
  done
  return 1
}
ADMIN="${users[0]%%=*}"
for entry in "${users[@]}"; do
  [[ -s "${entry#*=}" ]] || {
    log "the password file of ${entry%%=*} (${entry#*=}) is missing or empty"
    exit 1
  }
  # Hex from scripts/stack-deploy.sh; quotes, commas or brackets would break the JAAS line
  # and the --add-scram syntax.
  [[ "$(password_of "${entry%%=*}")" =~ ^[A-Za-z0-9._~-]+$ ]] || {
    log "the password of ${entry%%=*} may only hold letters, digits and ._~-"
    exit 1
  }
done
jaas() { # name
  printf 'org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";' \
    "$1" "$(password_of "$1")"
}

# ---------------------------------------------------------------- 1. configuration
rm -rf "$PRIVATE"
(umask 077 && mkdir -p "$PRIVATE")
umask 077
is_jvm_setting() {
  case "$1" in
    KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_JVM_PERFORMANCE_OPTS | KAFKA_GC_LOG_OPTS | KAFKA_JMX_OPTS | KAFKA_LOG4J_OPTS | KAFKA_VERSION | KAFKA_SETUP_DIR) return 0 ;;
    *) return 1 ;;
  esac
}
: > "$CONFIG"
while IFS='=' read -r name value; do
  is_jvm_setting "$name" && continue
  key="$(printf '%s' "${name#KAFKA_}" | tr '[:upper:]' '[:lower:]' | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g')"
  printf '%s=%s\n' "$key" "$value" >> "$CONFIG"
done < <(env | grep '^KAFKA_' | sort)
setting() { sed -n "s/^$1=//p" "$CONFIG"; }
grep -q '^process.roles=' "$CONFIG" || {
  log "no KAFKA_PROCESS_ROLES: configure the broker through KAFKA_* variables"
  exit 1
}
log_dirs="$(setting log.dirs)"
: "${log_dirs:=/var/lib/kafka/data}"
grep -q '^log.dirs=' "$CONFIG" || echo "log.dirs=${log_dirs}" >> "$CONFIG"
DATA="${log_dirs%%,*}"

# Every SASL listener authenticates with SCRAM; the broker's own side logs in as admin.
sasl_listeners=()
IFS=',' read -r -a protocol_map <<< "$(setting listener.security.protocol.map)"
for pair in "${protocol_map[@]}"; do
  [[ "${pair#*:}" == SASL_PLAINTEXT || "${pair#*:}" == SASL_SSL ]] && sasl_listeners+=("${pair%%:*}")
done
[[ ${#sasl_listeners[@]} -gt 0 ]] || {
  log "no SASL listener in KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"
  exit 1
}
{
  echo "sasl.enabled.mechanisms=${MECHANISM}"
  echo "sasl.mechanism.inter.broker.protocol=${MECHANISM}"
  for listener in "${sasl_listeners[@]}"; do
    listener="$(printf '%s' "$listener" | tr '[:upper:]' '[:lower:]')"
    echo "listener.name.${listener}.$(printf '%s' "$MECHANISM" | tr '[:upper:]' '[:lower:]').sasl.jaas.config=$(jaas "$ADMIN")"
  done
} >> "$CONFIG"
# The setup's own listener (see the top).
sed -i -e "s|^listeners=.*|&,LOCAL://${LOCAL}|" -e "s|^advertised.listeners=.*|&,LOCAL://${LOCAL}|" \
  -e 's|^listener.security.protocol.map=.*|&,LOCAL:PLAINTEXT|' "$CONFIG"
grep -q '^authorizer.class.name=' "$CONFIG" ||
  echo 'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer' >> "$CONFIG"
grep -q '^allow.everyone.if.no.acl.found=' "$CONFIG" || echo 'allow.everyone.if.no.acl.found=false' >> "$CONFIG"
grep -q '^super.users=' "$CONFIG" || echo "super.users=User:${ADMIN};User:ANONYMOUS" >> "$CONFIG"

cat > "$CLIENT_CONFIG" << EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=${MECHANISM}
sasl.jaas.config=$(jaas "$ADMIN")
EOF

# ---------------------------------------------------------------- 2. storage
# A hash per user of what the broker holds, in the data folder (the broker ignores files).
SCRAM_STATE="$DATA/.storefront-scram"
SETUP_STATE="$DATA/.storefront-setup"
scram_state() {
  local entry
  for entry in "${users[@]}"; do
    printf '%s %s\n' "${entry%%=*}" "$(password_of "${entry%%=*}" | sha256sum | cut -c1-64)"
  done
}
if [[ ! -f "$DATA/meta.properties" ]]; then
  : "${CLUSTER_ID:?CLUSTER_ID is needed to format the storage on the first start}"
  scram_args=()
  for entry in "${users[@]}"; do
    scram_args+=(--add-scram "${MECHANISM}=[name=${entry%%=*},password=$(password_of "${entry%%=*}")]")
  done
  log "formatting ${DATA} (cluster ${CLUSTER_ID}) with the SCRAM users ${users[*]%%=*}"
  quiet tool kafka.tools.StorageTool format --ignore-formatted -t "$CLUSTER_ID" -c "$CONFIG" "${scram_args[@]}"
  scram_state > "$SCRAM_STATE"
fi

# ---------------------------------------------------------------- 3. the broker
if [[ -x /opt/kafka/bin/kafka-server-start.sh ]]; then
  # The official image: its start script sets the JVM, GC and log4j options.
  /opt/kafka/bin/kafka-server-start.sh "$CONFIG" &
else
  # shellcheck disable=SC2086 # the *_OPTS variables hold several JVM flags each
  java ${KAFKA_HEAP_OPTS:--Xms512m -Xmx1g} \
    ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true} \
    -Dorg.slf4j.simpleLogger.showDateTime=true ${KAFKA_OPTS:-} -cp "$CLASSPATH_LIBS" kafka.Kafka "$CONFIG" &
fi
broker=$!
trap 'kill -TERM "$broker" 2> /dev/null || true' TERM INT

setup() {
  local started=$SECONDS entry name line principal operations type names op_args resource_args n
  # The listener accepts connections before the broker serves requests; the first tool call
  # is retried until the broker answers it.
  until (: < "/dev/tcp/${LOCAL%:*}/${LOCAL#*:}") 2> /dev/null; do
    kill -0 "$broker" 2> /dev/null || return 1
    sleep 1
  done

  # SCRAM users whose secret is new or changed since the broker last stored it.
  touch "$SCRAM_STATE"
  for entry in "${users[@]}"; do
    name="${entry%%=*}"
    line="$(scram_state | grep "^${name} ")"
    grep -qxF "$line" "$SCRAM_STATE" && continue
    log "SCRAM credentials of ${name}: upsert"
    retry quiet tool kafka.admin.ConfigCommand --bootstrap-server "$LOCAL" --alter \
      --entity-type users --entity-name "$name" \
      --add-config "${MECHANISM}=[iterations=8192,password=$(password_of "$name")]"
  done
  scram_state > "$SCRAM_STATE"

  local fingerprint
  fingerprint="$(printf '%s\n' "${ACLS[@]}" "${TOPICS[@]}" | sha256sum | cut -c1-64)"
  if [[ -f "$SETUP_STATE" && "$(cat "$SETUP_STATE")" == "$fingerprint" ]]; then
    log "ACLs and topics as at the last start: nothing to apply"
    return 0
  fi
  for line in "${ACLS[@]}"; do
    read -r principal operations type names <<< "$line"
    op_args=()
    IFS=',' read -r -a ops <<< "$operations"
    for op in "${ops[@]}"; do op_args+=(--operation "$op"); done
    resource_args=()
    if [[ "$type" == cluster ]]; then
      resource_args=(--cluster)
    else
      IFS=',' read -r -a list <<< "$names"
      for n in "${list[@]}"; do resource_args+=("--${type}" "$n"); done
    fi
    retry quiet tool org.apache.kafka.tools.AclCommand --bootstrap-server "$LOCAL" --add --allow-principal "User:${principal}" \
      "${op_args[@]}" "${resource_args[@]}"
  done
  log "ACLs applied (${#ACLS[@]} entries)"
  for line in "${TOPICS[@]}"; do
    read -r name n configs <<< "$line"
    config_args=()
    if [[ "$configs" != - ]]; then
      IFS=',' read -r -a list <<< "$configs"
      for c in "${list[@]}"; do config_args+=(--config "$c"); done
    fi
    retry quiet tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$LOCAL" --create --if-not-exists --topic "$name" \
      --partitions "$n" "${config_args[@]}"
  done
  log "topics present (${#TOPICS[@]})"
  echo "$fingerprint" > "$SETUP_STATE"
  log "setup took $((SECONDS - started)) s"
}

if setup; then
  : > "$READY"
  log "ready"
else
  log "setup failed: stopping the broker"
  kill -TERM "$broker" 2> /dev/null || true
fi
# `wait` returns early when the TERM trap runs; then wait for the broker to finish.
status=0
wait "$broker" || status=$?
while kill -0 "$broker" 2> /dev/null; do
  wait "$broker" || status=$?
done
exit "$status"
