#!/usr/bin/env bash
# End-to-end suites against a real `jobcast serve`: the official Socket.IO
# clients, socket.io-client (Node, `node --test`) and python-socketio
# (pytest); then the dashboard in headless Chromium (Debian's chromium driven
# by playwright-core, `node --test`). Both Node suites start their servers
# with the same launcher, e2e/lib/server.mjs.
#
# Builds the binary, installs each suite's pinned dependencies (and Chromium
# with apt-get when it is missing), runs the three suites (each even if an
# earlier one failed), prints their summaries once (the `# pass N` /
# `# fail N` lines that .ci/run adds up), and exits non-zero if anything
# failed or a suite ran no test.
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

# The chaos test (e2e/node/test/chaos.test.mjs) makes its PostgreSQL database
# and cuts its connections with psql, and fills the disk with prlimit.
if ! command -v psql >/dev/null; then
  command -v apt-get >/dev/null || die "psql is missing and there is no apt-get to install it"
  echo "installing Debian's postgresql-client (psql not found)"
  apt-get update -q >/dev/null || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-client >/dev/null || die "apt-get install postgresql-client failed"
fi
command -v prlimit >/dev/null || die "prlimit (util-linux) is missing: the chaos test needs it"

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

# --- Browser ------------------------------------------------------------------
section "browser: npm ci"
chromium_bin="${CHROMIUM_BIN:-/usr/bin/chromium}"
if [ ! -x "$chromium_bin" ]; then
  command -v apt-get >/dev/null || die "no Chromium at $chromium_bin and no apt-get to install it"
  echo "installing Debian's chromium (not found at $chromium_bin)"
  apt-get update -q >/dev/null || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || die "apt-get install chromium failed"
fi
[ -x "$chromium_bin" ] || die "Chromium is still missing at $chromium_bin"
"$chromium_bin" --version
(cd "$e2e/browser" && npm ci --no-audit --no-fund)

section "browser: node --test (Chromium)"
browser_status=0
rm -rf "$e2e/browser/artifacts"
(
  cd "$e2e/browser"
  CHROMIUM_BIN="$chromium_bin" timeout 900 node --test --test-concurrency=1 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$logs/browser.tap"
) || browser_status=$?
echo "browser: screenshots (key moments, and FAILED-* on failure) in $e2e/browser/artifacts/" \
  "($(find "$e2e/browser/artifacts" -name '*.png' 2>/dev/null | wc -l) files)"

# --- Summaries ----------------------------------------------------------------
section "summaries"
tap() { # file key: the number on the TAP totals line "# key N"
  awk -v key="$2" '$1 == "#" && $2 == key {n = $3} END {print n}' "$1" 2>/dev/null
}
# node's TAP totals, printed once here unindented ("# pass N", "# fail N")
# for the readers of the CI log; the spec reporters above are for people.
tap_summary() { # title file
  echo "$1:"
  grep -E '^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$2" 2>/dev/null \
    || echo "  (no summary: the runner did not finish)"
}
tap_summary "node --test (socket.io-client)" "$logs/node.tap"
tap_summary "node --test (dashboard in Chromium)" "$logs/browser.tap"
py_summary="$(grep -E '^=+ .*(passed|failed|error|no tests ran).* =+$|^[0-9]+ (passed|failed)' "$logs/pytest.log" | tail -1 || true)"
echo "pytest (python-socketio):"
echo "  ${py_summary:-(no summary: the runner did not finish)}"
count() { # pattern text: the sum of the numbers before the words matching pattern
  { grep -oE "[0-9]+ ($1)" <<<"$2" || true; } | awk '{ n += $1 } END { print n + 0 }'
}
py_pass="$(count 'passed' "$py_summary")"
py_fail="$(count 'failed|errors?' "$py_summary")"
node_pass="$(tap "$logs/node.tap" pass)"; node_fail="$(tap "$logs/node.tap" fail)"
browser_pass="$(tap "$logs/browser.tap" pass)"; browser_fail="$(tap "$logs/browser.tap" fail)"

failed=0
node_suite_failed() { # name status tap-file
  if [ "$2" -ne 0 ]; then
    echo "FAILED: $1 exited $2" >&2
    failed=1
  fi
  local tests
  tests="$(tap "$3" tests)"
  if [ -z "$tests" ] || [ "$tests" -eq 0 ]; then
    echo "FAILED: $1 ran no test" >&2
    failed=1
  fi
}
node_suite_failed "node --test (socket.io-client)" "$node_status" "$logs/node.tap"
node_suite_failed "the browser suite" "$browser_status" "$logs/browser.tap"
case "$py_status" in
  0) ;;
  5) echo "FAILED: pytest collected no test (exit 5)" >&2; failed=1 ;;
  *) echo "FAILED: pytest exited $py_status" >&2; failed=1 ;;
esac

echo "e2e: $(( ${node_pass:-0} + ${py_pass:-0} + ${browser_pass:-0} )) passed, $(( ${node_fail:-0} + ${py_fail:-0} + ${browser_fail:-0} )) failed"
if [ "$failed" -ne 0 ]; then
  echo "e2e: FAILED (see the output above)" >&2
  exit 1
fi
echo "e2e: all suites passed"
