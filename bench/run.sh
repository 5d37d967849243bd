#!/usr/bin/env bash
# The benchmark, one command: builds jobcast, the load generator and the bare
# socketioxide peer (release), installs the Node and Python peers into
# bench/peers/ (nothing global), then runs each scenario against each server,
# RUNS times, server and load generator pinned to separate cores, and writes
# bench/results/raw.jsonl and bench/RESULTS.md (medians, min–max, ratios).
#
#   bench/run.sh                      # scenarios A B C D E F, 3 runs each
#                                     # (F, job throughput, runs on jobcast only;
#                                     # B also gives memory at 10,000 connections)
#   SCENARIOS="A B" RUNS=1 bench/run.sh
#   TARGETS="jobcast-sqlite socketioxide" bench/run.sh
#
# Everything listens on 127.0.0.1; every run is bounded (timeout) and every
# server it starts is stopped by its PID.
set -euo pipefail

bench="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$bench/.." && pwd)"
SCENARIOS="${SCENARIOS:-A B C D E F}"
RUNS="${RUNS:-3}"
TARGETS="${TARGETS:-jobcast-sqlite jobcast-postgres socketioxide node-socket.io python-socketio flask-socketio-eventlet}"
PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_BENCH_DB="jobcast_bench"
release="${CARGO_TARGET_DIR:-$root/target}/release"
results="$bench/results"
raw="$results/raw.jsonl"
work="$(mktemp -d)"
server_pid=""

say() { printf '\n=== bench: %s ===\n' "$*"; }
die() { echo "FATAL: $*" >&2; exit 1; }
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT

# Two cores: the server on core 0, the load generator on core 1.
cores="$(nproc)"
if [ "$cores" -ge 2 ] && command -v taskset >/dev/null; then
  on_server=(taskset -c 0); on_loadgen=(taskset -c 1)
else
  echo "warning: fewer than 2 cores or no taskset: not pinned" >&2
  on_server=(); on_loadgen=()
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

say "build (release)"
(cd "$root" && cargo build --release -p jobcast -p jobcast-loadgen -p bench-socketioxide)

say "peers: npm ci (Node socket.io) and a venv (python-socketio, Flask-SocketIO)"
(cd "$bench/peers/node" && npm ci --no-audit --no-fund >/dev/null)
venv="$bench/peers/python/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$bench/peers/python/requirements.txt"

# One secret and one token for every server (HS256, checked on connect).
secret_dir="$work/secret"
mkdir -p "$secret_dir"
"$release/jobcast" token --user bench --ttl 1d --data-dir "$secret_dir" >/dev/null
SECRET="$(cat "$secret_dir/jwt-secret")"
TOKEN="$("$release/jobcast" token --user bench --ttl 1d --data-dir "$secret_dir")"

wait_http() { # url: until something answers
  for _ in $(seq 150); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.1
  done
  die "nothing answers at $1"
}

# start_server TARGET SCENARIO -> sets server_pid and URL
start_server() {
  local target="$1" port=18700
  URL="http://127.0.0.1:$port"
  local workers=100
  [ "$2" = "B" ] && workers=1000
  case "$target" in
    jobcast-sqlite|jobcast-postgres)
      local data="$work/data-$RANDOM"
      mkdir -p "$data"
      cp "$secret_dir/jwt-secret" "$data/jwt-secret"
      local db=()
      if [ "$target" = "jobcast-postgres" ]; then
        psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $PG_BENCH_DB" -c "CREATE DATABASE $PG_BENCH_DB" >/dev/null \
          || die "PostgreSQL is not reachable at $PG_ADMIN_URL"
        db=(--database-url "${PG_ADMIN_URL%/*}/$PG_BENCH_DB")
      fi
      # Settings a benchmark needs, said plainly: the benchmark kind, one
      # worker per job (each waits on its start question), and no cap on the
      # connections of the one benchmark user.
      JOBCAST_DATA_DIR="$data" JOBCAST_BENCH_KIND=true JOBCAST_SOCKET_MAX_PER_USER=100000 \
        JOBCAST_LOG=warn "${on_server[@]}" "$release/jobcast" serve --listen "127.0.0.1:$port" \
        --workers "$workers" "${db[@]}" >"$work/server.log" 2>&1 &
      ;;
    socketioxide)
      "${on_server[@]}" "$release/bench-socketioxide" "127.0.0.1:$port" "$SECRET" >"$work/server.log" 2>&1 &
      ;;
    node-socket.io)
      (cd "$bench/peers/node" && exec "${on_server[@]}" node server.mjs "$port" "$SECRET") >"$work/server.log" 2>&1 &
      ;;
    python-socketio)
      (cd "$bench/peers/python" && exec "${on_server[@]}" "$venv/bin/python" asgi_server.py "$port" "$SECRET") >"$work/server.log" 2>&1 &
      ;;
    flask-socketio-eventlet)
      (cd "$bench/peers/python" && exec "${on_server[@]}" "$venv/bin/python" flask_server.py "$port" "$SECRET") >"$work/server.log" 2>&1 &
      ;;
    *) die "unknown target $target" ;;
  esac
  server_pid=$!
  wait_http "$URL/"
}

mkdir -p "$results"
: >"$raw"
started=$(date +%s)
for scenario in $SCENARIOS; do
  for target in $TARGETS; do
    kind=peer
    case "$target" in jobcast-*) kind=jobcast ;; esac
    # F measures jobs (created, run, completed): the peers have none.
    [ "$scenario" = F ] && [ "$kind" = peer ] && continue
    for run in $(seq "$RUNS"); do
      say "scenario $scenario · $target · run $run/$RUNS"
      start_server "$target" "$scenario"
      args=(--scenario "$(echo "$scenario" | tr 'A-Z' 'a-z')")
      line="$(timeout 240 "${on_loadgen[@]}" "$release/jobcast-loadgen" --target "$kind" --url "$URL" \
        --token "$TOKEN" "${args[@]}" --label "$target" \
        --server-pid "$server_pid" 2>"$work/loadgen.err")" || {
          echo "run failed: $(tail -3 "$work/loadgen.err")" >&2
          line="{\"target\":\"$target\",\"scenario\":\"$scenario\",\"error\":\"$(tail -1 "$work/loadgen.err" | tr '"' "'")\"}"
        }
      echo "$line" | tee -a "$raw"
      stop_server
    done
  done
done
echo "bench: $(( $(date +%s) - started )) s of runs"

say "summary"
python3 "$bench/summarize.py" "$raw" "$bench/RESULTS.md" \
  --versions "jobcast $(git -C "$root" rev-parse --short HEAD); socketioxide $(grep -A1 'name = "socketioxide"' "$root/Cargo.lock" | sed -n 's/version = "\(.*\)"/\1/p'); socket.io $(node -p 'require("'"$bench"'/peers/node/node_modules/socket.io/package.json").version'); node $(node --version); $("$venv/bin/python" -c 'import importlib.metadata as m; print("; ".join(f"{p} {m.version(p)}" for p in ["python-socketio","uvicorn","Flask-SocketIO","eventlet"]))'); PostgreSQL $(psql "$PG_ADMIN_URL" -Atc 'show server_version' 2>/dev/null || echo '?')" \
  --command "SCENARIOS=\"$SCENARIOS\" RUNS=$RUNS bench/run.sh"
cat "$bench/RESULTS.md"
