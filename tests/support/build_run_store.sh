#!/usr/bin/env bash
# The ctest fixture RunStore: `mre run` into STORE (replacing an older one). The tests that need a
# whole pipeline's output copy STORE and work on the copy, so the pipeline runs once per ctest run
# instead of once per test.
#
# It is also the test of two `mre run`s at once into one store (issue 26): a second run starts 2 s
# after the first, waits for the first's run lock, then finds every stage done. The run that did
# the work leaves its messages as run.log (stderr) and run.out (stdout) beside STORE, the one that
# waited as waiter.log and waiter.out; the CliRunStore tests read them (tests/cli/cli_test.cc,
# tests/cli/run_concurrency_test.cc). (Three whole pipelines, ~150 CPU-s each, used to run here,
# in Cli.RunIngestsTheSnapshotAndReportsEachStage and in the concurrency test.)
#
#   tests/support/build_run_store.sh MRE_BINARY STORE
set -euo pipefail
mre=$1
store=$2
dir=$(dirname "$store")
mkdir -p "$dir"
rm -f "$store" "$store-wal" "$store-shm" "$store.partial" "$store.partial-run.lock" "$dir"/run_*.log "$dir"/run_*.out \
  "$dir"/run.log "$dir"/run.out "$dir"/waiter.log "$dir"/waiter.out
# Built under another name and moved into place at the end, so a failed or killed run never
# leaves a half-built store where a later test would take it for a whole one.
"$mre" run --db "$store.partial" > "$dir/run_a.out" 2> "$dir/run_a.log" &
first=$!
sleep 2  # the first takes the store's run lock before it ingests
"$mre" run --db "$store.partial" > "$dir/run_b.out" 2> "$dir/run_b.log" &
second=$!
status=0
wait "$first" || { status=$?; echo "the first mre run failed (exit $status):" >&2; cat "$dir/run_a.log" >&2; }
wait "$second" || { status=$?; echo "the second mre run failed (exit $status):" >&2; cat "$dir/run_b.log" >&2; }
(( status == 0 )) || exit 1
# The one that waited says so; the other did the work.
if grep -q "waiting for it to finish" "$dir/run_a.log"; then worker=b waiter=a; else worker=a waiter=b; fi
mv "$dir/run_$worker.log" "$dir/run.log"
mv "$dir/run_$worker.out" "$dir/run.out"
mv "$dir/run_$waiter.log" "$dir/waiter.log"
mv "$dir/run_$waiter.out" "$dir/waiter.out"
mv "$store.partial" "$store"
rm -f "$store.partial-run.lock"  # the runs' lock file, named after the store they wrote
echo "run store: $store ($(du -h "$store" | cut -f1))"
