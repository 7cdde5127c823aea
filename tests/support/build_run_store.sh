#!/usr/bin/env bash
# The ctest fixture RunStore: `mre run` into STORE (replacing an older one), its messages kept
# beside it as run.log. The tests that need a whole pipeline's output copy STORE and work on the
# copy, so the pipeline runs once per ctest run instead of once per test.
#
#   tests/support/build_run_store.sh MRE_BINARY STORE
set -euo pipefail
mre=$1
store=$2
dir=$(dirname "$store")
mkdir -p "$dir"
rm -f "$store" "$store-wal" "$store-shm" "$store.partial"
# Built under another name and moved into place at the end, so a failed or killed run never
# leaves a half-built store where a later test would take it for a whole one.
"$mre" run --db "$store.partial" > "$dir/run.out" 2> "$dir/run.log" || { cat "$dir/run.log" >&2; exit 1; }
mv "$store.partial" "$store"
echo "run store: $store ($(du -h "$store" | cut -f1))"
