#!/usr/bin/env bash
# npm run faults: the fault scenarios (test/faults), each on its own private servers, never the
# development stack. Postgres and Temporal come from the test stack, as for `npm test`; the
# servers the scenarios kill are their own (log servers, a Postgres server for database-restart,
# a Temporal dev server for temporal-killed). `npm run faults -- log-outage` runs one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/dev-stack.sh test
npm run --silent build
source scripts/test-env.sh
exec node -r @swc-node/register test/faults/run.ts "$@"
