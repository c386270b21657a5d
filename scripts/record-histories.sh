#!/usr/bin/env bash
# npm run record-histories: fresh workflow histories for the replay test, from the real stack.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/dev-stack.sh test
npm run --silent build
export NODE_ENV=test STAN_URL=nats://127.0.0.1:4225 STAN_CLUSTER_ID=devpie-test
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/devpie_test}
export TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-127.0.0.1:7233} TEMPORAL_NAMESPACE=devpie-test
export STRIPE_API_BASE=${STRIPE_API_BASE:-http://127.0.0.1:12111} STRIPE_SECRET_KEY=sk_test_devpie STRIPE_WEBHOOK_SECRET=whsec_test_devpie
exec node -r @swc-node/register scripts/recordHistories.ts "$@"
