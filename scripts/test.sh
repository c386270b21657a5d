#!/usr/bin/env bash
# npm test: every tier (unit, integration, end to end) against real servers. Starts what is not
# running: a test NATS Streaming cluster of its own, the Temporal dev server, a test database.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/dev-stack.sh test
# End-to-end suites run the compiled roles as separate processes.
npm run --silent build
export NODE_ENV=test
export STAN_URL=nats://127.0.0.1:4225 STAN_CLUSTER_ID=devpie-test
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/devpie_test}
export TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-127.0.0.1:7233} TEMPORAL_NAMESPACE=devpie-test
exec npx jest "$@"
