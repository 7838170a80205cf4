#!/usr/bin/env bash
# Deploys the storefront stack on a Docker Swarm (see docker/README.md):
#   1. writes the secrets on the first run (random values in .stack-secrets/, git-ignored);
#   2. deploys docker-compose-middleware.yml (with docker-compose-kafka-external.yml when
#      KAFKA_EXTERNAL=1) and waits until every task is healthy (Kafka's only once its users,
#      ACLs and topics exist) and the gateway answers on its published port (the registry is
#      not published);
#   3. deploys docker-compose-services.yml and waits until every replica is healthy and the
#      gateway reaches each service through the registry;
#   4. prints the stack's services and the URLs.
# It polls the real state with a deadline; nothing waits a fixed time.
#
#   scripts/stack-deploy.sh                 deploy (or update) the stack: official images for
#                                           Kafka, MongoDB and the consoles, our app images
#   scripts/stack-deploy.sh --from-source   every image built here from package registries
#                                           (scripts/build-images.sh --from-source, when one is
#                                           missing); FerretDB stands in for MongoDB
#   scripts/stack-deploy.sh --build         build the images first (scripts/build-images.sh)
#   scripts/stack-deploy.sh --secrets-only  only write the missing secrets, then exit
# On a Docker engine in no swarm, it first makes a single-node swarm (docker swarm init).
#
# Environment: STACK_NAME (storefront), REGISTRY (storefront), TAG (latest),
# KAFKA_EXTERNAL (0; 1 also deploys docker-compose-kafka-external.yml: Kafka on the node's
# port 29092, SASL like inside the stack),
# STACK_HOST (localhost: where the published ports are reached), WAIT_TIMEOUT (600 s per
# phase), STACK_SECRETS_DIR (.stack-secrets), ACCOUNTS_REPLICAS / ORDERS_REPLICAS /
# FULFILLMENT_REPLICAS / GATEWAY_REPLICAS, LOG_LEVEL, ENDPOINT_MODE / PUBLISH_MODE /
# EDGE_UPDATE_ORDER (set by the script when the kernel lacks IPVS), and the other ${VAR:-…}
# of the files.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

STACK_NAME="${STACK_NAME:-storefront}"
REGISTRY="${REGISTRY:-storefront}"
TAG="${TAG:-latest}"
STACK_HOST="${STACK_HOST:-localhost}"
WAIT_TIMEOUT="${WAIT_TIMEOUT:-600}"
STACK_SECRETS_DIR="${STACK_SECRETS_DIR:-$ROOT/.stack-secrets}"
export REGISTRY TAG STACK_SECRETS_DIR

MIDDLEWARE_FILE=docker-compose-middleware.yml
SERVICES_FILE=docker-compose-services.yml
KAFKA_EXTERNAL_FILE=docker-compose-kafka-external.yml
KAFKA_EXTERNAL="${KAFKA_EXTERNAL:-0}"
# Service names as in the two files (tools/stack/stack.spec.ts keeps these lists in sync).
MIDDLEWARE_SERVICES=(kafka mongo mongo-express kafka-ui registry gateway)
APP_SERVICES=(accounts orders fulfillment)
APP_IMAGES=(registry gateway accounts orders fulfillment)
# Every secret the files reference. The RANDOM_SECRETS are random; the two URLs and kafka-ui's
# JAAS line derive from the passwords. Generated once and kept: MongoDB stores the passwords on
# its volume at the first start, and accounts encrypts card numbers with card_encryption_key.
# The Kafka passwords are SCRAM users (admin: the broker's own setup; one per service;
# kafka-ui's read-only one): the broker applies a changed one at its next start.
RANDOM_SECRETS=(mongo_root_password mongo_app_password mongo_express_password kafka_ui_password admin_api_key card_encryption_key
  registry_password kafka_admin_password kafka_accounts_password kafka_orders_password kafka_fulfillment_password kafka_ui_kafka_password)
DERIVED_SECRETS=(mongo_root_url mongo_app_url kafka_ui_kafka_jaas)

log() { printf '%s stack-deploy: %s\n' "$(date +%H:%M:%S)" "$*"; }
die() {
  printf 'stack-deploy: %s\n' "$*" >&2
  exit 1
}

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; }

build=0
secrets_only=0
from_source=0
for arg in "$@"; do
  case "$arg" in
    --build) build=1 ;;
    --from-source) from_source=1 ;;
    --secrets-only) secrets_only=1 ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown option '$arg' (see --help)" ;;
  esac
done

# ---------------------------------------------------------------- secrets
random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

write_secret() { # name value: writes the file only when its content changes
  local file="$STACK_SECRETS_DIR/$1"
  if [[ ! -f "$file" || "$(cat "$file")" != "$2" ]]; then
    (umask 077 && printf '%s' "$2" > "$file")
  fi
}

ensure_secrets() {
  (umask 077 && mkdir -p "$STACK_SECRETS_DIR")
  local name created=()
  for name in "${RANDOM_SECRETS[@]}"; do
    [[ -s "$STACK_SECRETS_DIR/$name" ]] && continue
    case "$name" in
      card_encryption_key) write_secret "$name" "$(random_hex 32)" ;; # 32 bytes as 64 hex characters
      *) write_secret "$name" "$(random_hex 24)" ;;
    esac
    created+=("$name")
  done
  # Hex passwords need no escaping inside a URL.
  write_secret mongo_root_url \
    "mongodb://root:$(cat "$STACK_SECRETS_DIR/mongo_root_password")@mongo:27017/?authSource=admin"
  write_secret mongo_app_url \
    "mongodb://storefront:$(cat "$STACK_SECRETS_DIR/mongo_app_password")@mongo:27017/?authSource=admin"
  write_secret kafka_ui_kafka_jaas \
    "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"kafka-ui\" password=\"$(cat "$STACK_SECRETS_DIR/kafka_ui_kafka_password")\";"
  if [[ ${#created[@]} -gt 0 ]]; then
    log "created secrets in $STACK_SECRETS_DIR: ${created[*]}"
  fi
  for name in "${RANDOM_SECRETS[@]}" "${DERIVED_SECRETS[@]}"; do
    [[ -s "$STACK_SECRETS_DIR/$name" ]] || die "secret file $STACK_SECRETS_DIR/$name is missing or empty"
  done
}

ensure_secrets
if [[ $secrets_only -eq 1 ]]; then
  exit 0
fi

# ---------------------------------------------------------------- preflight
command -v docker > /dev/null || die "the docker CLI is not installed"
command -v curl > /dev/null || die "curl is needed to check the published health endpoints"

swarm="$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2> /dev/null)" ||
  die "cannot reach the Docker engine (is it running?)"
if [[ "$swarm" == "inactive false" ]]; then
  # The address of the interface that holds the default route: the one other nodes would use.
  dev="$(ip -o -4 route show default 2> /dev/null | awk '{print $5; exit}')"
  addr="$(ip -o -4 addr show dev "${dev:-lo}" 2> /dev/null | awk '{split($4, a, "/"); print a[1]; exit}')"
  [[ -n "$addr" ]] || die "this engine is in no swarm and no address was found for 'docker swarm init --advertise-addr'"
  docker swarm init --advertise-addr "$addr" > /dev/null
  log "made a single-node swarm (docker swarm init --advertise-addr ${addr}; 'docker swarm leave --force' undoes it)"
  swarm="$(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')"
fi
[[ "$swarm" == "active true" ]] ||
  die "this Docker engine is not a swarm manager (swarm state: ${swarm}): deploy from a manager node"

# Swarm's service VIPs and its routing mesh need IPVS in the kernel. Where it is missing (some
# sandboxed or minimal kernels; dockerd logs "Could not get ipvs family information"), tasks
# are reached by DNS round robin and ports are published on the node that runs the task.
ipvs_available() {
  [[ -d /sys/module/ip_vs ]] && return 0
  command -v modprobe > /dev/null && modprobe ip_vs 2> /dev/null && [[ -d /sys/module/ip_vs ]]
}
if [[ -z "${ENDPOINT_MODE:-}" ]] && ! ipvs_available; then
  export ENDPOINT_MODE=dnsrr PUBLISH_MODE=host EDGE_UPDATE_ORDER=stop-first
  log "no IPVS in this kernel: services use DNS round robin, ports are published on this node"
fi

# Kafka and MongoDB keep their data in local volumes, so they are pinned to one node.
if [[ -z "$(docker node ls --quiet --filter node.label=storefront.data=true)" ]]; then
  node_id="$(docker info --format '{{.Swarm.NodeID}}')"
  docker node update --label-add storefront.data=true "$node_id" > /dev/null
  log "labelled this node (${node_id}) storefront.data=true: Kafka and MongoDB data live here"
fi

# The middleware images a from-source deploy runs instead of the official ones.
SOURCE_DEFAULTS=docker/from-source.env
source_images=()
if [[ $from_source -eq 1 ]]; then
  # Defaults only: a variable already set in the environment wins.
  while IFS= read -r line; do
    [[ "$line" =~ ^([A-Z_]+)= ]] || continue
    name="${BASH_REMATCH[1]}"
    [[ -n "${!name+set}" ]] || eval "export $line"
  done < "$SOURCE_DEFAULTS"
  source_images=("$KAFKA_IMAGE" "$MONGO_IMAGE" "$MONGO_EXPRESS_IMAGE")
fi

# Images this deploy runs that the engine does not have, one a line.
missing_images() {
  local image
  for image in "${APP_IMAGES[@]/#/$REGISTRY/}"; do
    docker image inspect "$image:$TAG" > /dev/null 2>&1 || echo "$image:$TAG"
  done
  for image in "${source_images[@]}"; do
    docker image inspect "$image" > /dev/null 2>&1 || echo "$image"
  done
}

# From source, whatever is missing is built (cached: only what changed is rebuilt).
if [[ $from_source -eq 1 && $build -eq 0 && -n "$(missing_images)" ]]; then
  build=1
fi
if [[ $build -eq 1 ]]; then
  if [[ $from_source -eq 1 ]]; then
    scripts/build-images.sh --from-source
  else
    scripts/build-images.sh
  fi
fi

resolve_image=always
if [[ "$REGISTRY" == storefront ]]; then
  # Local images (scripts/build-images.sh) that no registry knows: use them as they are.
  resolve_image=never
  missing="$(missing_images)"
  [[ -z "$missing" ]] ||
    die "missing images $(echo "$missing" | xargs): run scripts/build-images.sh (or pass --build)"
fi

deploy_flags=(--resolve-image "$resolve_image" --with-registry-auth)
if docker stack deploy --help 2> /dev/null | grep -q -- '--detach'; then
  deploy_flags+=(--detach=true)
fi

# ---------------------------------------------------------------- waiting
# Replicas that are running. Swarm moves a task with a HEALTHCHECK to "running" only once
# the check passed, so this counts healthy tasks.
running_replicas() {
  docker service ps "${STACK_NAME}_$1" --filter desired-state=running \
    --format '{{.CurrentState}}' 2> /dev/null | grep -c '^Running' || true
}

desired_replicas() {
  docker service inspect "${STACK_NAME}_$1" \
    --format '{{if .Spec.Mode.Replicated}}{{.Spec.Mode.Replicated.Replicas}}{{else}}1{{end}}' 2> /dev/null ||
    echo missing
}

wait_for_tasks() {
  local deadline=$((SECONDS + WAIT_TIMEOUT)) next_report=$SECONDS service desired running pending
  log "waiting for healthy tasks: $*"
  while true; do
    pending=()
    for service in "$@"; do
      desired="$(desired_replicas "$service")"
      running="$(running_replicas "$service")"
      if [[ "$desired" == missing || "$running" -lt "$desired" ]]; then
        pending+=("$service ${running}/${desired}")
      fi
    done
    if [[ ${#pending[@]} -eq 0 ]]; then
      log "healthy: $*"
      return 0
    fi
    if ((SECONDS >= deadline)); then
      printf 'stack-deploy: not healthy after %ss: %s\n' "$WAIT_TIMEOUT" "${pending[*]}" >&2
      for service in "$@"; do
        docker service ps "${STACK_NAME}_${service}" --no-trunc \
          --format '  {{.Name}}  {{.CurrentState}}  {{.Error}}' 2> /dev/null | head -n 3 >&2 || true
      done
      printf 'stack-deploy: logs: docker service logs %s_<service>\n' "$STACK_NAME" >&2
      exit 1
    fi
    if ((SECONDS >= next_report)); then
      log "  starting: ${pending[*]}"
      next_report=$((SECONDS + 15))
    fi
    sleep 3
  done
}

wait_for_http() { # description url
  local deadline=$((SECONDS + WAIT_TIMEOUT)) next_report=$SECONDS
  while ! curl --silent --fail --output /dev/null --max-time 5 "$2"; do
    if ((SECONDS >= deadline)); then
      die "$1 did not answer 2xx at $2 within ${WAIT_TIMEOUT}s: $(curl --silent --max-time 5 "$2" || true)"
    fi
    if ((SECONDS >= next_report)); then
      log "  waiting for $1 ($2)"
      next_report=$((SECONDS + 15))
    fi
    sleep 2
  done
  log "up: $1"
}

# ---------------------------------------------------------------- deploy
base="http://${STACK_HOST}"

middleware_files=(-c "$MIDDLEWARE_FILE")
if [[ "$KAFKA_EXTERNAL" == 1 ]]; then
  middleware_files+=(-c "$KAFKA_EXTERNAL_FILE")
fi

log "deploying the middleware (stack ${STACK_NAME})"
docker stack deploy "${deploy_flags[@]}" "${middleware_files[@]}" "$STACK_NAME"
# The registry is not published: its task's health check covers it.
wait_for_tasks "${MIDDLEWARE_SERVICES[@]}"
wait_for_http gateway "${base}:8080/actuator/health"

log "deploying the services"
# Both files: the middleware part is unchanged, so Swarm leaves those services alone.
docker stack deploy "${deploy_flags[@]}" "${middleware_files[@]}" -c "$SERVICES_FILE" "$STACK_NAME"
wait_for_tasks "${APP_SERVICES[@]}"
# Through the gateway: the service registered, the gateway found it, and its health (MongoDB,
# Kafka, consumers) is UP.
for service in "${APP_SERVICES[@]}"; do
  wait_for_http "$service via the gateway" "${base}:8080/${service}/actuator/health"
done

# ---------------------------------------------------------------- summary
echo
docker stack services "$STACK_NAME"
secrets_dir="${STACK_SECRETS_DIR#"$ROOT"/}"
if [[ "$KAFKA_EXTERNAL" == 1 ]]; then
  kafka_line="${STACK_HOST}:29092     SASL SCRAM-SHA-512, e.g. kafka-ui / ${secrets_dir}/kafka_ui_kafka_password"
else
  kafka_line="not published (KAFKA_EXTERNAL=1 publishes 29092, SASL)"
fi
cat << EOF

Storefront is up (stack ${STACK_NAME}). Published ports, every one of them:
  8080 Gateway (API entry point)  ${base}:8080         e.g. ${base}:8080/accounts/customers
                                  sample and admin endpoints: X-API-Key ${secrets_dir}/admin_api_key
       Swagger UI (all services)  ${base}:8080/swagger-ui.html
       Registry dashboard         ${base}:8080/admin/registry/   any user / the admin API key
  8081 Mongo Express              ${base}:8081/         admin / ${secrets_dir}/mongo_express_password
  9000 Kafka UI                   ${base}:9000/         admin / ${secrets_dir}/kafka_ui_password
Not published: the registry (8761, the stack network only), MongoDB, Kafka (9092 on the stack
network, SASL per service); Kafka for host tools: ${kafka_line}

Scale:  docker service scale ${STACK_NAME}_orders=3
Logs:   docker service logs -f ${STACK_NAME}_orders
Remove: scripts/stack-remove.sh   (add --volumes to delete the Kafka and MongoDB data)
EOF
