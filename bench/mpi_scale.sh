#!/usr/bin/env bash
# Issue 28: 1 vs 2 processes (mpirun) and 1 vs 2 threads on the same inputs, for the commands
# wired to the work-distribution seam (core/work_items.h). Prints wall and CPU (user + sys of the
# whole process tree, from /usr/bin/time) per run; results go to bench/README.md and docs/scale.md.
# Usage: [BENCH_ONLY='scm backtest calibrate'] [SCM_REPLICATES=400] [CAL_SPEC=config/effects.yml]
#        [CAL_SURROGATES=20] bench/mpi_scale.sh BUILD/mre [REPEATS]
# (run from the source tree). Each line ends with the 1-minute load average after the run: on a
# shared machine other jobs' load distorts wall times (CPU times are steadier).
set -euo pipefail
MRE=$(realpath "$1")
REPEATS=${2:-2}
MPI=(mpirun --oversubscribe --allow-run-as-root)
export MRE_UNIVERSE=$PWD/config/universe.yml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$MRE" ingest --db "$tmp/scm.db" --tickers DCOILWTICO,MORTGAGE30US,ZQ=F,ZQ=F.open,EFFR,DGS3MO,TLT,DBC,DX-Y.NYB,^GSPC >/dev/null 2>&1
"$MRE" scm fit --db "$tmp/scm.db" --version S1 >/dev/null 2>&1
"$MRE" ingest --db "$tmp/ef.db" >/dev/null 2>&1
"$MRE" features build --db "$tmp/ef.db" --spec config/features/effects.yml --version FE >/dev/null 2>&1
"$MRE" features build --db "$tmp/ef.db" --spec config/features/macro_ltv.yml --version FM >/dev/null 2>&1
"$MRE" regimes fit --db "$tmp/ef.db" --spec config/regimes/hmm_macro.yml --version R1 >/dev/null 2>&1
"$MRE" ingest --db "$tmp/bt.db" --tickers ^GSPC,DGS3MO >/dev/null 2>&1
"$MRE" features build --db "$tmp/bt.db" --spec config/features/sp500_jm.yml --version F1 >/dev/null 2>&1

# name | command prefix | arguments (the store is appended)
measure() {
  local name=$1 base=$2 how=$3
  shift 3
  for r in $(seq 1 "$REPEATS"); do
    cp "$tmp/$base.db" "$tmp/run.db"
    /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" --db "$tmp/run.db" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
    read -r wall user sys <"$tmp/t"
    printf '%-16s %-22s run %d  wall %7.2f s  cpu %7.2f s  load %s\n' "$name" "$how" "$r" "$wall" "$(echo "$user + $sys" | bc)" \
      "$(cut -d' ' -f1 /proc/loadavg)"
  done
}

ONLY=${BENCH_ONLY:-scm effects backtest calibrate}  # which parts to run
if [[ $ONLY == *scm* ]]; then
SIM=(scm simulate --scenario policy_hike --horizon 60 --paths 1000 --replicates ${SCM_REPLICATES:-400})
measure "scm bootstrap" scm "1 process, 1 thread" "$MRE" "${SIM[@]}" --threads 1
measure "scm bootstrap" scm "1 process, 2 threads" "$MRE" "${SIM[@]}" --threads 2
measure "scm bootstrap" scm "mpirun -n 2 (1 thr)" "${MPI[@]}" -n 2 "$MRE" "${SIM[@]}" --threads 1

fi
if [[ $ONLY == *effects* ]]; then
EFF=(effects run --spec config/effects.yml --version E1)
measure "effects run" ef "1 process, 1 thread" "$MRE" "${EFF[@]}" --threads 1
measure "effects run" ef "1 process, 2 threads" "$MRE" "${EFF[@]}" --threads 2
measure "effects run" ef "mpirun -n 2 (1 thr)" "${MPI[@]}" -n 2 "$MRE" "${EFF[@]}" --threads 1

fi
if [[ $ONLY == *backtest* ]]; then
BT=(backtest --spec config/backtests/jm_sp500.yml --version B1)
measure "backtest jm" bt "1 process, 1 thread" "$MRE" "${BT[@]}" --threads 1
measure "backtest jm" bt "1 process, 2 threads" "$MRE" "${BT[@]}" --threads 2
measure "backtest jm" bt "mpirun -n 2 (1 thr)" "${MPI[@]}" -n 2 "$MRE" "${BT[@]}" --threads 1
fi
if [[ $ONLY == *calibrate* ]]; then
# Issue 28's bench: effects calibrate on the default grid (config/effects.yml) with 20 surrogates
# per cell; CAL_SPEC names a smaller grid when the machine cannot spare the time (say so).
"$MRE" effects run --db "$tmp/ef.db" --spec "${CAL_SPEC:-config/effects.yml}" --version EC --quiet >/dev/null 2>&1
CAL=(effects calibrate --version EC --surrogates "${CAL_SURROGATES:-20}" --quiet)
measure "effects calibrate" ef "1 process, 1 thread" "$MRE" "${CAL[@]}" --threads 1
measure "effects calibrate" ef "1 process, 2 threads" "$MRE" "${CAL[@]}" --threads 2
measure "effects calibrate" ef "mpirun -n 2 (1 thr)" "${MPI[@]}" -n 2 "$MRE" "${CAL[@]}" --threads 1
fi
# Startup of an MPI job alone: one rank, no items.
measure "mpirun overhead" scm "mpirun -n 2 scm list" "${MPI[@]}" -n 2 "$MRE" scm list
