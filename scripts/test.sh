#!/usr/bin/env bash
# npm test: every tier (unit, integration, end to end) against real servers. Starts what is not
# running: a test NATS Streaming cluster of its own, the Temporal dev server, stripe-mock, a test
# database.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/dev-stack.sh test
# End-to-end suites run the compiled roles as separate processes.
npm run --silent build
source scripts/test-env.sh
exec npx jest "$@"
