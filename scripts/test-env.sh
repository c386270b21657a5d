# Sourced by scripts/test.sh and scripts/faults.sh: the test stack's addresses (never the dev data).
export NODE_ENV=test
export STAN_URL=nats://127.0.0.1:4225 STAN_CLUSTER_ID=devpie-test STAN_MONITOR_URL=http://127.0.0.1:8225
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:${DEVPIE_PG_PORT:-5432}/devpie_test}
export TEMPORAL_ADDRESS=${TEMPORAL_ADDRESS:-127.0.0.1:7233} TEMPORAL_NAMESPACE=devpie-test
# The Stripe adapter talks to stripe-mock (any sk_test_ key); tests sign webhooks with this secret.
export STRIPE_API_BASE=${STRIPE_API_BASE:-http://127.0.0.1:12111}
export STRIPE_SECRET_KEY=sk_test_devpie STRIPE_WEBHOOK_SECRET=whsec_test_devpie
# JetStream: the server scripts/dev-stack.sh chose for the test stack (the machine's on 4222 when it
# runs JetStream, else one of its own), as it wrote it down.
__devpie_data=${DEVPIE_DATA_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.data}
export NATS_URL
NATS_URL=$(cat "$__devpie_data/nats-url-test" 2>/dev/null || echo "${NATS_URL:-nats://127.0.0.1:4222}")
unset __devpie_data
