#!/usr/bin/env bash
# npm start: the whole system on this machine, in one process or a few, with the dev stack under it.
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
# DEVPIE_PROCESSES picks how the roles share processes: `all` (the default), every role in one
# process; `split`, three: apps, components+projectors+reactors, processes (dispatcher and worker),
# each with its own event loop, as Kubernetes runs them. The API stays on PORT (4000); the others
# serve /healthz, /readyz and /metrics on the next ports. Any other value is a layout of its own
# (platform/runtime/layout.ts). Arguments (`npm start -- projects-app`) run just those, in one process.
#
# Roles restart in place after a lost connection; should a process itself exit (a crash, an app
# that cannot go on), the launcher starts it again after a second, as Kubernetes does with a pod.
# Ctrl-C stops them all.
exec node dist/scripts/start.js "$@"
