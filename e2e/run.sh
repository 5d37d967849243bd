#!/usr/bin/env bash
# End-to-end suites against a real `jobcast serve`, with the official
# Socket.IO clients: socket.io-client (Node, `node --test`) and
# python-socketio (pytest). Builds the binary, installs each suite's pinned
# dependencies, runs both suites (the second even if the first failed), prints
# both summaries, and exits non-zero if anything failed or ran no test.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
e2e="$root/e2e"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

section() { printf '\n=== e2e: %s ===\n' "$*"; }
die() { echo "FATAL: $*" >&2; exit 1; }

command -v node >/dev/null || die "node is not installed (the Node suite needs Node 20 or newer)"
command -v npm >/dev/null || die "npm is not installed"
command -v python3 >/dev/null || die "python3 is not installed"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node $node_major is too old: the Node suite needs Node 20 or newer"

section "build"
(cd "$root" && cargo build -p jobcast)
export JOBCAST_BIN="${CARGO_TARGET_DIR:-$root/target}/debug/jobcast"
[ -x "$JOBCAST_BIN" ] || die "no binary at $JOBCAST_BIN after cargo build"
unset JOBCAST_CONFIG JOBCAST_LISTEN JOBCAST_DATA_DIR JOBCAST_DATABASE_URL JOBCAST_REDIS_URL \
  JOBCAST_JWT_SECRET JOBCAST_JWT_PUBLIC_KEY JOBCAST_JWT_ALGORITHM

# --- Node ---------------------------------------------------------------------
section "node: npm ci"
(cd "$e2e/node" && npm ci --no-audit --no-fund)

section "node: node --test (socket.io-client)"
node_status=0
(
  cd "$e2e/node"
  timeout 900 node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$logs/node.tap"
) || node_status=$?

# --- Python -------------------------------------------------------------------
section "python: venv and pinned requirements"
venv="$e2e/python/.venv"
if ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$e2e/python/requirements.txt"

section "python: pytest (python-socketio)"
py_status=0
(
  cd "$e2e/python"
  timeout 900 "$venv/bin/python" -m pytest 2>&1 | tee "$logs/pytest.log"
  exit "${PIPESTATUS[0]}"
) || py_status=$?

# --- Summaries ----------------------------------------------------------------
section "summaries"
node_pass="$(awk '/^# pass /{print $3}' "$logs/node.tap" 2>/dev/null | tail -1)"
node_fail="$(awk '/^# fail /{print $3}' "$logs/node.tap" 2>/dev/null | tail -1)"
node_tests="$(awk '/^# tests /{print $3}' "$logs/node.tap" 2>/dev/null | tail -1)"
# node's TAP totals, printed once here unindented ("# pass N", "# fail N")
# for the readers of the CI log; the spec reporter above is for people.
echo "node --test (socket.io-client):"
grep -E '^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$logs/node.tap" 2>/dev/null \
  || echo "  (no summary: the runner did not finish)"
py_summary="$(grep -E '^=+ .*(passed|failed|error|no tests ran).* =+$|^[0-9]+ (passed|failed)' "$logs/pytest.log" | tail -1 || true)"
echo "pytest (python-socketio):"
echo "  ${py_summary:-(no summary: the runner did not finish)}"
count() { # pattern text: the sum of the numbers before the words matching pattern
  { grep -oE "[0-9]+ ($1)" <<<"$2" || true; } | awk '{ n += $1 } END { print n + 0 }'
}
py_pass="$(count 'passed' "$py_summary")"
py_fail="$(count 'failed|errors?' "$py_summary")"

failed=0
if [ "$node_status" -ne 0 ]; then
  echo "FAILED: node --test exited $node_status" >&2
  failed=1
fi
if [ -z "$node_tests" ] || [ "$node_tests" -eq 0 ]; then
  echo "FAILED: node --test ran no test" >&2
  failed=1
fi
case "$py_status" in
  0) ;;
  5) echo "FAILED: pytest collected no test (exit 5)" >&2; failed=1 ;;
  *) echo "FAILED: pytest exited $py_status" >&2; failed=1 ;;
esac

echo "e2e: $(( ${node_pass:-0} + ${py_pass:-0} )) passed, $(( ${node_fail:-0} + ${py_fail:-0} )) failed"
if [ "$failed" -ne 0 ]; then
  echo "e2e: FAILED (see the output above)" >&2
  exit 1
fi
echo "e2e: all suites passed"
