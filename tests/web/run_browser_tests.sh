#!/usr/bin/env bash
# Browser tests of the dashboard: serves DB_PATH with MRE_BINARY (and web/dist), then runs
# web/tests/e2e.mjs (playwright-core driving Debian's Chromium headless) against it.
#
#   tests/web/run_browser_tests.sh DB_PATH MRE_BINARY
#
# Builds web/ first when web/node_modules or a current web/dist is missing (npm ci, npm run build).
# Needs node >= 20 and Chromium (CHROMIUM, default /usr/bin/chromium; on Debian:
# apt-get install -y --no-install-recommends chromium). Screenshots: MRE_SCREENSHOTS (default
# web/test-output). The server is stopped on exit; the exit code is the tests' (1 on a setup failure).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 DB_PATH MRE_BINARY" >&2
  exit 2
fi
db=$1
mre=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
web="$root/web"
chromium=${CHROMIUM:-/usr/bin/chromium}

[[ -e "$db" ]] || { echo "run_browser_tests: no store at $db" >&2; exit 1; }
[[ -x "$mre" ]] || { echo "run_browser_tests: $mre is not an executable" >&2; exit 1; }
command -v node >/dev/null || { echo "run_browser_tests: node (>= 20) is not installed" >&2; exit 1; }
[[ -x "$chromium" ]] || {
  echo "run_browser_tests: no Chromium at $chromium (apt-get install -y --no-install-recommends chromium, or set CHROMIUM)" >&2
  exit 1
}

cd "$web"
if [[ ! -d node_modules/playwright-core || ! -d node_modules/vite || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "run_browser_tests: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
if [[ ! -f dist/index.html ]] || [[ -n "$(find src index.html package.json vite.config.ts -newer dist/index.html -print -quit)" ]]; then
  echo "run_browser_tests: npm run build" >&2
  npm run build >&2
fi
cd "$root"

tmp=$(mktemp -d)
server=""
cleanup() {
  if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$mre" serve --db "$db" --port 0 --static "$web/dist" >"$tmp/stdout" 2>"$tmp/stderr" &
server=$!

port=""
for _ in $(seq 200); do
  if ! kill -0 "$server" 2>/dev/null; then
    echo "run_browser_tests: mre serve exited early:" >&2
    cat "$tmp/stderr" >&2
    exit 1
  fi
  line=$(head -n 1 "$tmp/stdout" 2>/dev/null || true)
  if [[ "$line" =~ ^PORT\ ([0-9]+)$ ]]; then
    port=${BASH_REMATCH[1]}
    break
  fi
  sleep 0.1
done
if [[ -z "$port" ]]; then
  echo "run_browser_tests: mre serve printed no 'PORT n' in 20 s:" >&2
  cat "$tmp/stderr" >&2
  exit 1
fi
url="http://127.0.0.1:$port"

# Ready when /api/health answers.
if ! node -e '
  const url = process.argv[1] + "/api/health";
  const until = Date.now() + 20000;
  (async () => {
    for (;;) {
      try { const r = await fetch(url); if (r.ok) return; } catch {}
      if (Date.now() > until) { console.error("no answer from " + url); process.exit(1); }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();' "$url"; then
  cat "$tmp/stderr" >&2
  exit 1
fi

echo "run_browser_tests: $mre serve on $url ($db)" >&2
status=0
MRE_URL="$url" node "$web/tests/e2e.mjs" || status=$?
if [[ $status -ne 0 ]]; then
  echo "run_browser_tests: failed (exit $status); server log:" >&2
  tail -n 20 "$tmp/stderr" >&2
fi
exit "$status"
