#!/bin/sh
# The classifier backfill on the bundled data (issue 18): `mre classify backfill` of the default
# classifier (config/classifier/gmr.yml: n_init 10, em-EM screening of 25 iterations, warm
# starts), then the single-start run (n_init 1 plus the warm start, every start to convergence)
# beside it. Prints wall and CPU seconds of each. Usage: bench/backfill_bench.sh [BUILD_DIR]
set -eu
build=${1:-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$build/mre" ingest --db "$dir/b.db" >/dev/null 2>&1
"$build/mre" features build --db "$dir/b.db" --spec config/features/indicators.yml --version FI >/dev/null 2>&1
for run in "B10" "B1 --n-init 1 --screen-iterations 0"; do
  set -- $run
  tag=$1
  shift
  /usr/bin/time -f "$tag: %e s wall, %U s user CPU, %S s system" "$build/mre" classify backfill --db "$dir/b.db" \
    --version "$tag" "$@" 2>&1 | grep -v '^mre:   research'
done
