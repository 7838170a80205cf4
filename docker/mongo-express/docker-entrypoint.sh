#!/bin/bash
# Entry point of storefront/mongo-express, after the official image's: `mongo-express` (the
# default command) waits briefly for the database and execs `node app.js`; anything else is
# executed as given.
#
# Beyond the official image:
# - ME_CONFIG_MONGODB_URL_FILE (and ME_CONFIG_SITE_SESSIONSECRET_FILE,
#   ME_CONFIG_SITE_COOKIESECRET_FILE): mongo-express 1.0.2 reads the _FILE variants of the
#   basic-auth and admin credentials itself, but not of these, so they are exported here.
# - ME_CONFIG_BASICAUTH_ENABLED (the name of later releases), when set, sets
#   ME_CONFIG_BASICAUTH (the name 1.0.2 reads; the image defaults it to true).
# - ME_CONFIG_SITE_SESSIONSECRET defaults to a random value per start instead of "secret"
#   (sessions live in memory, so they do not outlive the process anyway).
set -eo pipefail

if [ "$1" != "mongo-express" ]; then
  exec "$@"
fi

# file_env VAR: VAR takes the content of the file named by VAR_FILE (trailing newlines
# dropped), if VAR_FILE is set.
file_env() {
  local var="$1" file_var="${1}_FILE"
  local file="${!file_var:-}"
  if [ -n "$file" ]; then
    if [ ! -r "$file" ]; then
      echo "docker-entrypoint: $file_var=$file is not a readable file" >&2
      exit 1
    fi
    local value
    value="$(< "$file")"
    value="${value%$'\r'}"
    export "$var"="$value"
    unset "$file_var"
  fi
}

file_env ME_CONFIG_MONGODB_URL
file_env ME_CONFIG_SITE_SESSIONSECRET
file_env ME_CONFIG_SITE_COOKIESECRET

if [ -n "${ME_CONFIG_BASICAUTH_ENABLED:-}" ]; then
  export ME_CONFIG_BASICAUTH="$ME_CONFIG_BASICAUTH_ENABLED"
fi

if [ -z "${ME_CONFIG_SITE_SESSIONSECRET:-}" ]; then
  ME_CONFIG_SITE_SESSIONSECRET="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
  export ME_CONFIG_SITE_SESSIONSECRET
fi

# Wait (ME_CONFIG_CONNECT_RETRIES tries, a second apart) for the single host of the connection
# string to accept TCP connections: mongo-express exits when it cannot connect at start, which
# in a stack that starts everything at once only means a restart. The URL holds credentials,
# so only host:port is printed.
wait_for_mongo() {
  local url="${ME_CONFIG_MONGODB_URL:-}" hostport host port
  [ -n "${ME_CONFIG_MONGODB_SERVER:-}" ] && return 0 # legacy host/port settings: not checked
  case "$url" in
    mongodb://*) ;;
    *) return 0 ;; # mongodb+srv:// or empty: nothing to check
  esac
  hostport="${url#mongodb://}"
  hostport="${hostport%%[/?]*}"
  hostport="${hostport##*@}"
  case "$hostport" in
    *,* | '') return 0 ;; # a replica set: the driver picks the member
  esac
  if [[ "$hostport" == \[* ]]; then # [ipv6]:port
    host="${hostport%%]*}"
    host="${host#\[}"
    port="${hostport##*]}"
    port="${port#:}"
  else
    host="${hostport%%:*}"
    port="${hostport#"$host"}"
    port="${port#:}"
  fi
  port="${port:-27017}"
  local tries=1 max="${ME_CONFIG_CONNECT_RETRIES:-10}"
  until timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2> /dev/null; do
    if [ "$tries" -ge "$max" ]; then
      echo "docker-entrypoint: $host:$port still unreachable after $max tries; starting anyway" >&2
      return 0
    fi
    echo "docker-entrypoint: waiting for $host:$port ($tries/$max)"
    tries=$((tries + 1))
    sleep 1
  done
}
wait_for_mongo

exec node app.js
