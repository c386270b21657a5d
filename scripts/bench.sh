#!/usr/bin/env bash
# npm run bench: the servers (dev stack, loopback only), a fresh build, then one bounded run that
# prints a single JSON report on stdout. Logs (ours, pino's, the system under test's) go to stderr.
# Knobs: BENCH_MESSAGES, BENCH_LOG_ROUNDS, BENCH_WINDOW, BENCH_DURATION_MS, BENCH_CLIENTS (e.g. 1,8,32).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/dev-stack.sh up >&2
npm run --silent build >&2
export LOG_LEVEL=${LOG_LEVEL:-warn}
# fd 3 is the real stdout, kept for the report; everything the process writes to fd 1 goes to stderr.
BENCH_REPORT_FD=3 exec node dist/bench/run.js 3>&1 1>&2
