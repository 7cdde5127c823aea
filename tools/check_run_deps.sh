#!/bin/sh
# `make run` must install only what running needs: the run list and a dry run of the run target's
# install step name none of the test tools (issue: a clean first run). Exit 1 naming the culprit.
set -eu
src=${1:-$(dirname "$0")/..}
run_deps=$(make -s -C "$src" print-run-deps)
dry=$(make -n -C "$src" deps-run)
status=0
for tool in chromium wrk postgresql python3-sklearn python3-statsmodels python3-pandas libgtest-dev libbenchmark-dev libtorch-dev python3-torch python3-onnx; do
  if printf '%s\n' $run_deps | grep -qx "$tool"; then echo "make print-run-deps lists test tool $tool"; status=1; fi
  if printf '%s\n' "$dry" | grep -qw -- "$tool"; then echo "make -n deps-run mentions test tool $tool"; status=1; fi
done
test_deps=$(make -s -C "$src" print-test-deps)
for tool in chromium wrk postgresql python3-sklearn libgtest-dev python3-torch python3-onnx; do
  printf '%s\n' $test_deps | grep -qx "$tool" || { echo "make print-test-deps misses $tool"; status=1; }
done
[ $status -eq 0 ] && echo "run deps: $(printf '%s\n' $run_deps | wc -l) packages, no test tool"
exit $status
