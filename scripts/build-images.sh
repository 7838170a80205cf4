#!/usr/bin/env bash
# Builds the five app images from docker/Dockerfile and tags them
# ${REGISTRY:-storefront}/<app>:${TAG:-latest}, the names the stack files use.
#
#   scripts/build-images.sh                  all five
#   scripts/build-images.sh accounts orders  some of them
#   PUSH=1 REGISTRY=localhost:5000/storefront TAG=1.2.0 scripts/build-images.sh
#
# A multi-node swarm pulls images, so there push them to a registry every node can reach
# (PUSH=1). On a single-node swarm the local images are enough.
set -euo pipefail
cd "$(dirname "$0")/.."

REGISTRY="${REGISTRY:-storefront}"
TAG="${TAG:-latest}"
PUSH="${PUSH:-0}"

# Each app's HTTP port, as in its config schema (apps/<app>/src/<app>.app.ts); the image sets
# PORT to it so the image's healthcheck works without extra configuration.
# tools/stack/stack.spec.ts checks this table against the code.
APP_PORTS=(
  registry:8761
  gateway:8080
  accounts:8085
  orders:8090
  fulfillment:8095
)

port_of() {
  local entry
  for entry in "${APP_PORTS[@]}"; do
    if [[ "${entry%%:*}" == "$1" ]]; then
      echo "${entry##*:}"
      return 0
    fi
  done
  return 1
}

if ! command -v docker > /dev/null; then
  echo "build-images: the docker CLI is not installed" >&2
  exit 1
fi

apps=("$@")
if [[ ${#apps[@]} -eq 0 ]]; then
  for entry in "${APP_PORTS[@]}"; do apps+=("${entry%%:*}"); done
fi

commit="$(git rev-parse --short HEAD 2> /dev/null || echo unknown)"
export DOCKER_BUILDKIT=1

for app in "${apps[@]}"; do
  if ! port="$(port_of "$app")"; then
    echo "build-images: unknown app '$app' (known: ${APP_PORTS[*]%%:*})" >&2
    exit 1
  fi
  image="${REGISTRY}/${app}:${TAG}"
  echo "==> ${image} (port ${port})"
  docker build \
    --file docker/Dockerfile \
    --build-arg "APP=${app}" \
    --build-arg "PORT=${port}" \
    --build-arg "GIT_COMMIT=${commit}" \
    --tag "${image}" \
    .
  if [[ "$PUSH" == "1" ]]; then
    docker push "${image}"
  fi
done

echo
docker image ls --filter "reference=${REGISTRY}/*:${TAG}"
