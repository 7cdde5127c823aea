#!/bin/sh
# HTTP API load (issue 9): `mre serve` on loopback over a store that has a trained classifier
# (make run's mre.db), loaded by wrk (Debian) with 2 threads and 8 keep-alive connections for
# 5 s per endpoint: GET /api/classification/current and POST /api/classify. Prints wrk's
# requests/s and latency distribution. Usage: bench/server_bench.sh [DB] [BUILD_DIR]
set -e
DB=${1:-mre.db}
BUILD=${2:-build}
OUT=$(mktemp)
"$BUILD/mre" serve --db "$DB" --port 0 > "$OUT" 2>/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null; rm -f "$OUT"' EXIT
for i in $(seq 1 100); do grep -q PORT "$OUT" && break; sleep 0.05; done
PORT=$(sed -n 's/^PORT //p' "$OUT")
echo "GET /api/classification/current"
wrk -t2 -c8 -d5s --latency "http://127.0.0.1:$PORT/api/classification/current" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
echo "POST /api/classify"
wrk -t2 -c8 -d5s --latency -s "$(dirname "$0")/server_post.lua" "http://127.0.0.1:$PORT" | grep -E "Requests/sec|50%|90%|99%|Non-2xx"
