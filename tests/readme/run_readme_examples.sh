#!/usr/bin/env bash
# The README's examples, run as written (issue 22): every `$ build/mre ...` line of its sh blocks,
# in order, in a scratch directory, against a store made by `mre run` (or a copy of STORE when
# given). The files the README assumes you have (my_cpi.csv, my.csv, obs.json, history.csv) are
# written first. Lines that need the network, a PostgreSQL server or a running `mre serve` are
# skipped, each by a rule below that names why; every other line must exit 0. The `--as-of`
# example must print data, not an empty series.
#
#   tests/readme/run_readme_examples.sh MRE_BINARY [STORE]
set -euo pipefail
mre=$(realpath "$1")
store=${2:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
mkdir -p build config
ln -s "$mre" build/mre
cp -r "$root/config/." config/
ln -s "$root/data" data  # the universe's snapshot_dir is ../data/snapshot
export MRE_UNIVERSE="$tmp/config/universe.yml"
export MRE_DB="$tmp/mre.db"
if [[ -n "$store" ]]; then
  cp "$store" "$MRE_DB"
else
  build/mre run > /dev/null 2> run.log || { cat run.log >&2; exit 1; }
fi

# The files the README's examples read.
printf 'date,CPIAUCSL\n2026-01-01,330.0\n2026-02-01,331.1\n' > my_cpi.csv
awk 'BEGIN { srand(7); print "date,ret,shock,a,b"; for (i = 0; i < 400; i++) {
       s = rand() - 0.5; a = rand(); b = rand(); t = 14610 + i;
       printf "%s,%.6f,%.6f,%.6f,%.6f\n", strftime("%Y-%m-%d", t * 86400, 1), 0.3 * s + 0.1 * a + 0.05 * (rand() - 0.5), s, a, b } }' > my.csv
indicators="yield_curve_slope_10y2y,mmd_ust_ratio_10y,vix_index,move_index,investment_grade_credit_spread,high_yield_credit_spread,tips_breakeven_5y,swap_spread_10y,muni_fund_flows_net,us_cpi_yoy"
values="0.55,1.2,15.1,80.0,0.8,2.9,2.4,5.0,0.3,2.9"
json="{\"timestamp\": \"2026-08-24\", \"instrument_type\": \"MUNI\""
IFS=, read -ra names <<< "$indicators"
IFS=, read -ra vals <<< "$values"
for i in "${!names[@]}"; do json+=", \"${names[$i]}\": ${vals[$i]}"; done
echo "$json}" > obs.json
{ echo "timestamp,$indicators"; for d in 2026-08-25 2026-08-26 2026-08-27; do echo "$d,$values"; done; } > history.csv

# Why a line is not run here (the first matching rule wins).
skip_reason() {
  case "$1" in
    *"make run"*) echo "the build itself (this script runs 'mre run' instead)" ;;
    export\ *|*"db copy"*|*postgresql://*) echo "needs a PostgreSQL server" ;;
    "build/mre run") echo "the PostgreSQL section's run (MRE_DB exported above); this script ran the pipeline first" ;;
    *"--source all"*|*"--source fred"*|*"--source yahoo"*|*"--source worldbank"*) echo "needs the network" ;;
    "build/mre series show GDP --as-of 2024-05-01"*) echo "reads the ALFRED vintages the live section ingests (network)" ;;
    *"serve "*|curl\ *) echo "a running server (tests/server covers the API)" ;;
    *) return 1 ;;
  esac
}

# Wall seconds since a `date +%s.%N` reading, and CPU seconds the finished children have used
# (user + system, from bash's `times`), one decimal: the slow lines show in the log.
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
# `times` runs in this shell (a pipe or $(...) would run it in a subshell that has no children).
children_cpu() {
  times > times.txt
  awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); s += p[1] * 60 + p[2] } printf "%.2f", s }' times.txt
}

passed=0
failed=0
skipped=0
while IFS= read -r line; do
  cmd=${line#\$ }
  # Drop a trailing comment (two or more spaces, then #).
  cmd=$(sed -E 's/[[:space:]]{2,}#.*$//' <<< "$cmd")
  if why=$(skip_reason "$cmd"); then
    echo "# skip: $cmd ($why)"
    skipped=$((skipped + 1))
    continue
  fi
  # An assignment (T=$(...)) runs in this shell, so the lines after it see the variable.
  if [[ "$cmd" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; then
    if eval "$cmd" 2> err.txt; then
      echo "ok - $cmd"
      passed=$((passed + 1))
    else
      echo "not ok - $cmd: $(head -c 400 err.txt)"
      failed=$((failed + 1))
    fi
    continue
  fi
  started=$(date +%s.%N)
  children_cpu > cpu_before.txt
  cpu_before=$(cat cpu_before.txt)
  if out=$(eval "$cmd" 2> err.txt); then
    if [[ "$cmd" == *"--as-of"* && "$cmd" == *"series show"* ]] && (( $(wc -l <<< "$out") < 2 )); then
      echo "not ok - $cmd: printed no observations"
      failed=$((failed + 1))
      continue
    fi
    children_cpu > cpu_after.txt
    echo "ok - $cmd ($(seconds_since "$started") s, $(awk -v a="$cpu_before" -v b="$(cat cpu_after.txt)" 'BEGIN { printf "%.1f", b - a }') CPU-s)"
    passed=$((passed + 1))
  else
    echo "not ok - $cmd: exit $?: $(head -c 400 err.txt)"
    failed=$((failed + 1))
  fi
done < <(awk '/^```sh/ { in_block = 1; next } /^```/ { in_block = 0 } in_block && /^\$ / { print }' "$root/README.md")
echo "# $skipped skipped"
echo "$passed passed, $failed failed"
(( failed == 0 ))
