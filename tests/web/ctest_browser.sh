#!/usr/bin/env bash
# The dashboard's browser tests as one ctest entry: a full store in a temporary directory (a
# copy of STORE when given, else one `mre run` builds it; every page then has data), then
# run_browser_tests.sh serves it and drives Chromium through every page. Screenshots land in
# the build tree (MRE_SCREENSHOTS).
set -euo pipefail
# tests/web/ctest_browser.sh MRE_BINARY [STORE]
mre=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ -n "${2:-}" ]]; then
  cp "$2" "$tmp/t.db"  # the RunStore fixture's store (tests/CMakeLists.txt); the copy is ours to change
else
  "$mre" run --db "$tmp/t.db" > /dev/null 2> "$tmp/run.log" || { cat "$tmp/run.log" >&2; exit 1; }
fi
# The Backtests page needs a backtest: the paper's setup on the same store (about 6 s of CPU).
root=$(cd "$(dirname "$0")/../.." && pwd)
{ "$mre" features build --db "$tmp/t.db" --spec "$root/config/features/sp500_jm.yml" --version auto --universe "$root/config/universe.yml" &&
  "$mre" backtest --db "$tmp/t.db" --spec "$root/config/backtests/jm_sp500.yml" --version JM_SP500; } > /dev/null 2>> "$tmp/run.log" ||
  { cat "$tmp/run.log" >&2; exit 1; }
exec "$(dirname "$0")/run_browser_tests.sh" "$tmp/t.db" "$mre"
