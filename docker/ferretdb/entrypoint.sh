#!/bin/sh
# Entry point of storefront/ferretdb. The official mongo image's variables work here too:
#   MONGO_INITDB_ROOT_USERNAME with MONGO_INITDB_ROOT_PASSWORD_FILE (or _PASSWORD): turns
#     authentication on and creates that user in `admin` on an empty data directory;
#   FERRETDB_USERS="name:/run/secrets/file,…": further users, created when missing (in place
#     of the mongo image's init scripts, which need mongosh).
# Arguments go to the server (e.g. -log-level warn). FerretDB 1 has no authorisation: every
# user that logs in may use every database.
set -eu
set -- -listen 0.0.0.0:27017 -data /data/db "$@"

if [ -n "${MONGO_INITDB_ROOT_USERNAME:-}" ]; then
  password_file="${MONGO_INITDB_ROOT_PASSWORD_FILE:-}"
  if [ -z "$password_file" ]; then
    : "${MONGO_INITDB_ROOT_PASSWORD:?MONGO_INITDB_ROOT_USERNAME needs MONGO_INITDB_ROOT_PASSWORD_FILE or MONGO_INITDB_ROOT_PASSWORD}"
    password_file="$(mktemp)"
    printf '%s' "$MONGO_INITDB_ROOT_PASSWORD" > "$password_file"
  fi
  set -- "$@" -setup-user "$MONGO_INITDB_ROOT_USERNAME" -setup-password-file "$password_file"
  if [ -n "${FERRETDB_USERS:-}" ]; then
    for user in $(printf '%s' "$FERRETDB_USERS" | tr ',' ' '); do
      set -- "$@" -user "$user"
    done
  fi
elif [ -n "${FERRETDB_USERS:-}" ]; then
  echo "entrypoint: FERRETDB_USERS needs MONGO_INITDB_ROOT_USERNAME (the user that creates them)" >&2
  exit 1
fi
exec /usr/local/bin/ferretdb "$@"
