#!/usr/bin/env bash
# npm start: the whole system on this machine, in one process, with the dev stack under it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/dev-stack.sh up
# The dev stack looked for PostgreSQL (or ran the embedded one) on this port.
if [ -z "${DATABASE_URL:-}" ] && [ -n "${DEVPIE_PG_PORT:-}" ]; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:$DEVPIE_PG_PORT/devpie"
fi
npm run --silent build
# Development mode: tokens from the local dev issuer (npm run dev-token) unless Auth0 is configured.
if [ -z "${AUTH0_DOMAIN:-}${AUTH_JWKS_URI:-}" ]; then export DEV_AUTH=${DEV_AUTH:-true}; fi
export NODE_ENV=${NODE_ENV:-development}
# Roles restart in place after a lost connection; should the process itself exit (a crash, an
# app that cannot go on), it is started again, as Kubernetes does with a pod. Ctrl-C stops it.
set +e  # exit codes are read below, not fatal
stopping=0
trap 'stopping=1; [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null' INT TERM
while true; do
  node dist/main.js "${@:-all}" &
  pid=$!
  wait "$pid"; code=$?
  # `wait` returns early when a trapped signal arrives: wait for the node process to finish.
  while kill -0 "$pid" 2>/dev/null; do wait "$pid"; code=$?; done
  if [ "$stopping" = 1 ] || [ "$code" = 0 ]; then exit "$code"; fi
  case "${1:-all}" in migrate|rebuild|parked|roles) exit "$code" ;; esac
  echo "[start] the backend exited with $code; starting it again in 1 s (Ctrl-C stops)" >&2
  sleep 1
done
