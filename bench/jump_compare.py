#!/usr/bin/python3
"""One discrete jump-model fit on 8,000 x 3 with 10 k-means++ starts (issue 19): mre's
coordinate descent (bench/jump_bench in --data mode) against the same algorithm in numpy
(tests/regimes/jump/reference_jump.py, the test suite's reference), from the same 10 starts on
the same data, in one run. Prints each side's CPU seconds (best of 3; the VM is shared, so wall time is not the measure), both objectives (they must
agree) and the ratio. Usage: /usr/bin/python3 bench/jump_compare.py [--build build] [--states K]
[--penalty L]. The numpy DP loops over time in Python, each step vectorised over states, as a
straightforward numpy implementation (and the jumpmodels package's own non-hmmlearn path) does."""
import argparse, json, os, subprocess, sys, tempfile, time
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core on both sides
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "regimes", "jump"))
import reference_jump  # noqa: E402


def simulated(T, D, seed):
    rng = np.random.default_rng(seed)
    data = np.empty((T, D))
    state = 0
    sign = np.array([1 if d % 2 == 0 else -1 for d in range(D)])
    for t in range(T):
        if rng.uniform() < 0.01:
            state = int(rng.uniform() * 3) % 3
        data[t] = 2.0 * state * sign + rng.standard_normal(D)
    return data


def kmeans_pp(x, K, rng):
    centers = [x[rng.integers(len(x))]]
    closest = ((x - centers[0]) ** 2).sum(axis=1)
    for _ in range(1, K):
        i = rng.choice(len(x), p=closest / closest.sum())
        centers.append(x[i])
        closest = np.minimum(closest, ((x - x[i]) ** 2).sum(axis=1))
    return np.array(centers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--states", type=int, default=2)
    ap.add_argument("--penalty", type=float, default=50.0)
    ap.add_argument("--rows", type=int, default=8000)
    args = ap.parse_args()
    x = simulated(args.rows, 3, 1)
    rng = np.random.default_rng(7)
    starts = [kmeans_pp(x, args.states, rng) for _ in range(10)]
    with tempfile.TemporaryDirectory() as d:
        np.savetxt(os.path.join(d, "x.csv"), x, delimiter=",", fmt="%.17g")
        np.savetxt(os.path.join(d, "s.csv"), np.vstack(starts), delimiter=",", fmt="%.17g")
        out = subprocess.run([os.path.join(args.build, "bench", "jump_bench"), "--data", os.path.join(d, "x.csv"),
                              "--starts", os.path.join(d, "s.csv"), "--penalty", str(args.penalty), "--states",
                              str(args.states), "--repeats", "3"], check=True, capture_output=True, text=True)
    mre = json.loads(out.stdout)
    best = float("inf")
    for _ in range(3):
        begin = time.process_time()
        objective = min(reference_jump.descend(x, s.copy(), args.penalty, False, 0.05, True, 1000, 1e-8)[1]
                        for s in starts)
        best = min(best, time.process_time() - begin)
    rel = abs(objective - mre["objective"]) / abs(objective)
    print(json.dumps({"rows": args.rows, "features": 3, "states": args.states, "starts": 10, "penalty": args.penalty,
                      "mre_seconds": mre["seconds"], "numpy_seconds": best, "ratio": best / mre["seconds"],
                      "mre_objective": mre["objective"], "numpy_objective": objective, "relative_difference": rel}))
    if rel > 1e-9:
        print("objectives differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
