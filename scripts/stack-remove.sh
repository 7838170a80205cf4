#!/usr/bin/env bash
# Removes the storefront stack and waits until its tasks and network are gone.
#
#   scripts/stack-remove.sh                      remove the services; Kafka and MongoDB data stay
#   scripts/stack-remove.sh --volumes            also delete the kafka-data and mongo-data volumes
#   scripts/stack-remove.sh --volumes --secrets  also delete .stack-secrets/ (a fresh start)
#   scripts/stack-remove.sh --purge              the same as --volumes --secrets
#
# The secrets only go together with the volumes: MongoDB keeps the passwords it was created
# with, and accounts' stored card numbers need the same card_encryption_key.
# Environment: STACK_NAME (storefront), WAIT_TIMEOUT (180 s), STACK_SECRETS_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

STACK_NAME="${STACK_NAME:-storefront}"
WAIT_TIMEOUT="${WAIT_TIMEOUT:-180}"
STACK_SECRETS_DIR="${STACK_SECRETS_DIR:-$ROOT/.stack-secrets}"
VOLUMES=(kafka-data mongo-data)

log() { printf '%s stack-remove: %s\n' "$(date +%H:%M:%S)" "$*"; }
die() {
  printf 'stack-remove: %s\n' "$*" >&2
  exit 1
}

remove_volumes=0
remove_secrets=0
for arg in "$@"; do
  case "$arg" in
    --volumes) remove_volumes=1 ;;
    --secrets) remove_secrets=1 ;;
    --purge)
      remove_volumes=1
      remove_secrets=1
      ;;
    -h | --help)
      sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown option '$arg' (see --help)" ;;
  esac
done
if [[ $remove_secrets -eq 1 && $remove_volumes -eq 0 ]]; then
  die "--secrets needs --volumes: the kept data was created with the current secrets"
fi

command -v docker > /dev/null || die "the docker CLI is not installed"

label="com.docker.stack.namespace=${STACK_NAME}"
if docker stack ls --format '{{.Name}}' | grep -qx "$STACK_NAME"; then
  log "removing stack ${STACK_NAME}"
  docker stack rm "$STACK_NAME"
else
  log "no stack named ${STACK_NAME}"
fi

# `docker stack rm` returns at once; containers stop within their stop_grace_period.
deadline=$((SECONDS + WAIT_TIMEOUT))
while [[ -n "$(docker ps --all --quiet --filter "label=${label}")" ||
  -n "$(docker network ls --quiet --filter "label=${label}")" ]]; do
  ((SECONDS < deadline)) || die "containers or networks of ${STACK_NAME} still there after ${WAIT_TIMEOUT}s"
  sleep 2
done
log "stack ${STACK_NAME} is gone"

if [[ $remove_volumes -eq 1 ]]; then
  for volume in "${VOLUMES[@]}"; do
    name="${STACK_NAME}_${volume}"
    if docker volume inspect "$name" > /dev/null 2>&1; then
      docker volume rm "$name" > /dev/null
      log "deleted volume ${name}"
    fi
  done
else
  log "kept volumes: ${VOLUMES[*]/#/${STACK_NAME}_} (delete them with --volumes)"
fi

if [[ $remove_secrets -eq 1 && -d "$STACK_SECRETS_DIR" ]]; then
  rm -rf -- "$STACK_SECRETS_DIR"
  log "deleted ${STACK_SECRETS_DIR}"
fi
