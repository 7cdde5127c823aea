#!/bin/sh
# Seed agreement and retrain churn of the classifier backfill (issue 18's stability points):
# five seeds (42-46, as `mre regimes evaluate --seeds 5`) of `mre classify backfill --to TO`, each
# stored in DB as LABEL_<seed> and timed (/usr/bin/time: wall, user CPU). Then, from
# `classify mapping-report` and `regimes show --format csv` of each: retrains, churn per retrain
# (how many above 10%), EM iterations of the global HMM's winning start (how many at the limit),
# and the share of dates on which all five seeds agree (the definition of `regimes evaluate`).
# Usage: bench/backfill_stability.sh BUILD_DIR DB LABEL [backfill options, e.g. --spec F]
# DB must hold the snapshot and the indicator features (`mre ingest`, `mre features build --spec
# config/features/indicators.yml`); TO defaults to 2014-12-31 (14 retrains, the shorter windows).
set -eu
build=$1
db=$2
label=$3
shift 3
to=${TO:-2014-12-31}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for seed in 42 43 44 45 46; do
  /usr/bin/time -f "$label seed $seed: %e s wall, %U s user CPU" -o "$out/time_$seed" \
    "$build/mre" classify backfill --db "$db" --version "${label}_$seed" --to "$to" \
    --seed "$seed" "$@" >/dev/null 2>"$out/log_$seed"
  cat "$out/time_$seed"
  "$build/mre" classify mapping-report "${label}_$seed" --db "$db" >"$out/report_$seed"
  "$build/mre" regimes show "${label}_$seed" --db "$db" --format csv >"$out/show_$seed.csv"
done
/usr/bin/python3 - "$out" "$label" <<'EOF'
import csv, re, statistics, sys
out, label = sys.argv[1], sys.argv[2]
labels = {}
for seed in range(42, 47):
    churn, iters, limit, kept, n = [], [], 0, 0, 0
    for line in open(f"{out}/report_{seed}"):
        m = re.match(r"(\d{4}-\d\d-\d\d)\s+(\d+)\s+(-?[\d.]+)\s+(\d+)/(\d+)\s+(\d+)\s+(yes|NO)\s+(\S+)", line)
        if not m:
            continue
        n += 1
        iters.append(int(m.group(6)))
        limit += m.group(7) == "NO"
        kept += "(kept)" in line
        if m.group(8) != "-":
            churn.append(float(m.group(8).rstrip("%")))
    high = sum(c > 10 for c in churn)
    print(f"{label} seed {seed}: {n} retrains; churn > 10% in {high} of {len(churn)} "
          f"(median {statistics.median(churn):.1f}%, max {max(churn):.1f}%); mapping kept in "
          f"{kept}; EM iterations median {statistics.median(iters):.0f}, {limit} at the limit")
    for row in csv.DictReader(open(f"{out}/show_{seed}.csv")):
        labels.setdefault(row["date"], []).append(row["regime"])
common = [v for v in labels.values() if len(v) == 5]
agree = sum(len(set(v)) == 1 for v in common)
print(f"{label}: all five seeds agree on {agree} of {len(common)} dates "
      f"({100 * agree / len(common):.1f}%)")
dates = sorted(labels)
for seed_index in range(1, 5):
    same = sum(labels[d][0] == labels[d][seed_index] for d in dates if len(labels[d]) == 5)
    print(f"{label}: seed {42 + seed_index} agrees with seed 42 on {100 * same / len(common):.1f}%")
EOF
