#!/bin/sh
# The classifier backfill on the bundled data (issue 18): `mre classify backfill` of the default
# classifier (config/classifier/gmr.yml: n_init 10, em-EM screening of 25 iterations, warm
# starts) on all cores (--threads 0) and on one thread, then the single-start run (n_init 1 plus
# the warm start, every start to convergence) beside it. Prints wall and CPU seconds of each and
# the load average before it (a shared machine's wall time is only meaningful with it).
# Usage: bench/backfill_bench.sh [BUILD_DIR] [RUNS...]   (RUNS default: all three)
set -eu
build=${1:-build}
[ $# -gt 0 ] && shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$build/mre" ingest --db "$dir/b.db" >/dev/null 2>&1
"$build/mre" features build --db "$dir/b.db" --spec config/features/indicators.yml --version FI >/dev/null 2>&1
[ $# -gt 0 ] || set -- "B10 --threads 0" "B10T1 --threads 1" "B1 --n-init 1 --screen-iterations 0 --threads 0"
for run in "$@"; do
  set -- $run
  tag=$1
  shift
  echo "$tag ($*): load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "$tag: %e s wall, %U s user CPU, %S s system" "$build/mre" classify backfill --db "$dir/b.db" \
    --version "$tag" --quiet "$@" 2>&1 | grep -v '^mre:   research'
done
