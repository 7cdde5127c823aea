#!/bin/sh
# `mre monitor` on a store built by `mre run` (issue 27's target: under 5 s). Times N runs that
# store nothing (--no-store; a stored run adds one small artefact write) and one that stores its
# run, and prints each wall time. It reads the stored effect-stability results; nothing is
# re-estimated. Usage: bench/monitor_bench.sh [DB] [BUILD_DIR] [N]
set -e
DB=${1:-mre.db}
BUILD=${2:-build}
N=${3:-5}
for i in $(seq 1 "$N"); do
  /usr/bin/time -f "mre monitor --no-store: %e s wall, %M KiB max RSS" "$BUILD/mre" monitor --db "$DB" --no-store > /dev/null || true
done
/usr/bin/time -f "mre monitor (stores its run): %e s wall, %M KiB max RSS" "$BUILD/mre" monitor --db "$DB" > /dev/null || true
