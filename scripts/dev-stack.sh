#!/usr/bin/env bash
# Provisions the servers this backend needs, idempotently: builds the Go binaries once (into a
# shared cache, linked into .tools/), starts NATS Streaming and the Temporal dev server when
# nothing answers on their ports, starts stripe-mock (Stripe's API simulator, for the payment
# provider adapter), and creates the Postgres database. Reuses whatever runs already.
#
#   scripts/dev-stack.sh up     development stack (cluster devpie-client, database devpie)
#   scripts/dev-stack.sh test   test stack (own cluster id, port and database; never the dev data)
#   scripts/dev-stack.sh down   stops the servers this script started
#   scripts/dev-stack.sh tools  only builds the binaries
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS_DIR="$ROOT/.tools"
DATA_DIR="${DEVPIE_DATA_DIR:-$ROOT/.data}"
# Built binaries outlive a clone: CI and new checkouts on the same machine reuse them.
TOOLS_CACHE="${DEVPIE_TOOLS_CACHE:-$HOME/.cache/devpie-client/tools}"
STAN_VERSION=0.25.6
TEMPORAL_VERSION=1.5.1
STRIPE_MOCK_VERSION=0.203.0
# The deploy tests build k8s/ with it. Pinned (issue 13): v5.8.3 on needs Go 1.27.
KUSTOMIZE_VERSION=5.7.1
STRIPE_MOCK_PORT=12111 # HTTP; it also serves HTTPS, on the next port
SEARCH_ATTRIBUTES=(EstimateId=Keyword InvoiceId=Keyword ProjectId=Keyword)

log() { printf '[dev-stack] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

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
    command -v go >/dev/null || { log "Go is needed to build $name (https://go.dev/dl)"; exit 1; }
    log "building $name $version with go install (first time only; this takes minutes)"
    local tmp; tmp=$(mktemp -d)
    # -x prints each step so a long first build visibly makes progress.
    if ! GOBIN="$tmp" GOFLAGS="${GOFLAGS:-} -mod=mod" go install -ldflags "$ldflags" "$pkg@v$version" 2>&1 \
        | awk '/^(go: downloading|# |WORK=)/ { n++; if (n % 25 == 1) printf "[dev-stack]   %s ... (%d steps)\n", $0, n > "/dev/stderr" }'; then
      log "go install $pkg failed"; exit 1
    fi
    # go install drops a major-version suffix: sigs.k8s.io/kustomize/kustomize/v5 -> kustomize.
    local bin; bin=$(basename "$(printf '%s' "$pkg" | sed -E 's#/v[0-9]+$##')")
    mv "$tmp/$bin" "$cached" && rm -rf "$tmp"
    log "built $cached"
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

temporal() { # namespace...
  if [ -n "${TEMPORAL_ADDRESS:-}" ]; then log "Temporal: using $TEMPORAL_ADDRESS"; return; fi
  if port_open 127.0.0.1 7233; then log "Temporal already on :7233"; return; fi
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

postgres_db() { # database-url
  local url=$1 db admin
  db=$(node -e 'console.log(new URL(process.argv[1]).pathname.slice(1))' "$url")
  admin=$(node -e 'const u=new URL(process.argv[1]); u.pathname="/postgres"; console.log(u.href)' "$url")
  if ! psql "$admin" -Atqc 'select 1' >/dev/null 2>&1; then
    log "PostgreSQL does not answer at $admin (start it, or set DATABASE_URL)"; exit 1
  fi
  if [ "$(psql "$admin" -Atqc "select 1 from pg_database where datname = '$db'")" != 1 ]; then
    psql "$admin" -qc "create database \"$db\"" && log "created database $db"
  fi
}

case "${1:-up}" in
  tools) tools ;;
  up)
    tools
    [ -n "${STAN_URL:-}" ] && log "NATS Streaming: using $STAN_URL" || stan 4223 devpie-client "$DATA_DIR/stan" 8223
    temporal default devpie
    stripe_mock
    postgres_db "${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/devpie}"
    ;;
  test)
    tools
    stan 4225 devpie-test "$DATA_DIR/stan-test" 8225
    temporal default devpie devpie-test
    stripe_mock
    postgres_db "${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/devpie_test}"
    ;;
  down)
    for f in "$DATA_DIR"/*.pid; do
      [ -e "$f" ] || continue
      kill "$(cat "$f")" 2>/dev/null && log "stopped $(basename "$f" .pid)"; rm -f "$f"
    done ;;
  *) echo "usage: $0 up|test|down|tools" >&2; exit 2 ;;
esac
