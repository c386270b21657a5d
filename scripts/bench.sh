#!/usr/bin/env bash
# npm run bench: one bounded, loopback-only run of the benchmarks in bench/ that prints a single
# JSON report on stdout; every log line (ours, pino's, the system under test's) goes to stderr.
#
# It provisions the dev stack (tools, Postgres database), builds, and starts a throwaway NATS
# Streaming server for the run: the same binary and flags as scripts/dev-stack.sh (file store,
# unlimited channels), its own port and a temporary store that is deleted afterwards, so the
# ~250k messages a run writes neither pile up in the dev store nor share it with a running app.
# BENCH_STAN_URL (+ BENCH_STAN_CLUSTER_ID) measures an existing server instead.
#
# JetStream: the users, boards and rebuild stages run on both logs in one run (BENCH_LOGS, default
# stan,jetstream; the log stage compares its adapter with raw publishes there too). Its server is
# BENCH_NATS_URL, else the dev stack's (`scripts/dev-stack.sh jetstream up`: the machine's
# nats-server on 4222 when it runs JetStream, else one of the dev stack's own, built and started on
# 4226), whose URL it writes to .data/nats-url-up. That server outlives the run: the run's streams
# (bench.<runId>.js.*, bench.<runId>.jslog.*) are deleted at the end, unless BENCH_KEEP_DB=1.
#
# Temporal is the dev stack's server (TEMPORAL_ADDRESS, default 127.0.0.1:7233): the run's workflows
# go to namespace devpie-test (devpie when the server lacks it; BENCH_TEMPORAL_NAMESPACE) on task
# queues of the run's own (bench-<runId>, bench-<runId>-bare), and what is still running on them at
# the end (the invoices' payment workflows) is terminated.
#
# Knobs: BENCH_STAGES (log,raw,users,boards,approvals,rebuild,history,components by default;
# observability and layouts on request), BENCH_COMPONENT_COMMANDS (20000), BENCH_LOGS
# (stan,jetstream: the logs users, boards, rebuild and components run on, in that order; stan or
# jetstream alone runs one), BENCH_NATS_URL (the JetStream server),
# BENCH_OBS_MODES (off,on; also metrics, json = traces as OTLP http/json), BENCH_OBS_PAIRS (2),
# BENCH_OBS_CLIENTS (8), BENCH_MESSAGES,
# BENCH_LOG_ROUNDS, BENCH_WINDOW, BENCH_DURATION_MS, BENCH_CLIENTS (1,8,32), BENCH_BOARD_CLIENTS,
# BENCH_BOARDS, BENCH_HOT_TASKS, BENCH_PROJECT_REBUILD_EVENTS, BENCH_HISTORY_EVENTS (200000),
# BENCH_APPROVAL_CLIENTS (1,8),
# BENCH_APPROVAL_THROUGHPUT_CLIENTS (32), BENCH_APPROVAL_THROUGHPUT_MS, BENCH_BARE_TEMPORAL_MS,
# BENCH_TEMPORAL_NAMESPACE, BENCH_PROBE=0 (no timing probe in the system under test),
# BENCH_PROFILE=0 (no CPU profiles), BENCH_QUIET_WAIT_MS, BENCH_KEEP_DB=1, BENCH_RAW_CLIENTS (1,8,32),
# BENCH_BOARD_ADDS_EDITS=0 (no adds+edits workload), BENCH_DATABASE (devpie_bench),
# BENCH_LAYOUTS ("all split": npm start's DEVPIE_PROCESSES layouts, each started BENCH_LAYOUT_PAIRS (2)
# times in ABBA order through the launcher, the adds+edits spread at BENCH_LAYOUT_CLIENTS (the board
# clients) on each; separate layouts of one's own by spaces, e.g. "all split apps,components,projectors+reactors,processes"). Use
# `npm run -s bench > report.json`: without -s, npm prints its own banner on stdout ahead of the report.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
# Where the dev stack keeps its state (scripts/dev-stack.sh): the throwaway store goes there too.
DATA_DIR=${DEVPIE_DATA_DIR:-$ROOT/.data}

bash scripts/dev-stack.sh up >&2
npm run --silent build >&2

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stan_pid=
stan_dir=
cleanup() {
  if [ -n "$stan_pid" ]; then kill "$stan_pid" 2>/dev/null || true; wait "$stan_pid" 2>/dev/null || true; fi
  if [ -n "$stan_dir" ]; then rm -rf "$stan_dir"; fi
}
trap cleanup EXIT

if [ -n "${BENCH_STAN_URL:-}" ]; then
  export STAN_URL=$BENCH_STAN_URL STAN_CLUSTER_ID=${BENCH_STAN_CLUSTER_ID:-devpie-client}
else
  port=4227
  while port_open "$port"; do port=$((port + 1)); done
  mkdir -p "$DATA_DIR"
  stan_dir=$(mktemp -d "$DATA_DIR/bench-stan.XXXXXX")
  "$ROOT/.tools/nats-streaming-server" -a 127.0.0.1 -p "$port" -cid devpie-bench -st FILE --dir "$stan_dir/store" \
    -mc 0 -mm 0 -mb 0 -ma 0 -msu 0 -hbi 2s -hbt 2s -hbf 3 >"$stan_dir/server.log" 2>&1 &
  stan_pid=$!
  for _ in $(seq 100); do port_open "$port" && break; sleep 0.1; done
  port_open "$port" || { cat "$stan_dir/server.log" >&2; echo "[bench] NATS Streaming did not start on :$port" >&2; exit 1; }
  echo "[bench] throwaway NATS Streaming devpie-bench on nats://127.0.0.1:$port (store $stan_dir)" >&2
  export STAN_URL=nats://127.0.0.1:$port STAN_CLUSTER_ID=devpie-bench BENCH_STAN_DEDICATED=1
fi

# JetStream, when BENCH_LOGS names it and a stage goes there (log, users, boards, rebuild).
logs=,${BENCH_LOGS:-stan,jetstream},
stages=,${BENCH_STAGES:-log,raw,users,boards,approvals,rebuild,history},
needs_jetstream=0
case $logs in *,jetstream,*)
  case $stages in *,log,* | *,users,* | *,boards,* | *,rebuild,*) needs_jetstream=1 ;; esac ;;
esac
if [ "$needs_jetstream" = 1 ]; then
  if [ -n "${BENCH_NATS_URL:-}" ]; then
    export NATS_URL=$BENCH_NATS_URL
  else
    # NATS_URL, when set, is what dev-stack uses; else it finds or starts one.
    bash scripts/dev-stack.sh jetstream up >&2
    NATS_URL=$(cat "$DATA_DIR/nats-url-up")
    export NATS_URL
  fi
  echo "[bench] JetStream on $NATS_URL" >&2
fi

export LOG_LEVEL=${LOG_LEVEL:-warn}
# fd 3 is the real stdout, kept for the report; whatever the process writes to fd 1 goes to stderr.
BENCH_REPORT_FD=3 node dist/bench/run.js 3>&1 1>&2
