#!/usr/bin/env bash
# npm start: the whole system on this machine, in one process, with the dev stack under it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/dev-stack.sh up
npm run --silent build
# Development mode: tokens from the local dev issuer (npm run dev-token) unless Auth0 is configured.
if [ -z "${AUTH0_DOMAIN:-}${AUTH_JWKS_URI:-}" ]; then export DEV_AUTH=${DEV_AUTH:-true}; fi
export NODE_ENV=${NODE_ENV:-development}
exec node dist/main.js "${@:-all}"
