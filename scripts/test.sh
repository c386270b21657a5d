#!/usr/bin/env bash
# npm test: every tier (unit, integration, end to end) against real servers. Starts what is not
# running: a test NATS Streaming cluster of its own, the Temporal dev server, stripe-mock, a test
# database.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/dev-stack.sh test
# End-to-end suites run the compiled roles as separate processes.
npm run --silent build
export NODE_ENV=test
export STAN_URL=nats://127.0.0.1:4225 STAN_CLUSTER_ID=devpie-test
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/devpie_test}
export TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-127.0.0.1:7233} TEMPORAL_NAMESPACE=devpie-test
# The Stripe adapter talks to stripe-mock (any sk_test_ key); tests sign webhooks with this secret.
export STRIPE_API_BASE=${STRIPE_API_BASE:-http://127.0.0.1:12111}
export STRIPE_SECRET_KEY=sk_test_devpie STRIPE_WEBHOOK_SECRET=whsec_test_devpie
exec npx jest "$@"
