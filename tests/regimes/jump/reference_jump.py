#!/usr/bin/python3
"""Jump-model reference in numpy, written for mre's tests and bench from the papers (Nystrup,
Lindstrom & Madsen 2020; Aydinhan, Kolm, Mulvey & Shu 2024), independently of the C++ code.

usage: reference_jump.py DATA.csv CENTERS.csv LAMBDA CONTINUOUS(0|1) GRID_SIZE MODE_LOSS(0|1) MAX_ITER TOL
Reads the data (T x D) and the initial centroids (K x D), both headerless CSV, runs coordinate
descent (dynamic programme for the states, weighted means for the centroids) and prints JSON:
objective, states, probabilities, centers, iterations, trace, online_states and
online_probabilities (forward argmin under the final
centroids), seconds (wall time of the descent alone). A state with no weight in the final
solution is empty: its centroid is printed as nulls and online inference never assigns it.
"""
import itertools
import json
import sys
import time

import numpy as np


def candidates(K, continuous, grid_size):
    if not continuous:
        return np.eye(K)
    m = int(round(1.0 / grid_size))
    points = [c for c in itertools.product(range(m + 1), repeat=K) if sum(c) == m]
    vertices = [np.eye(K)[k] for k in range(K)]
    rest = [np.array(c, dtype=float) / m for c in points if max(c) != m]
    return np.array(vertices + rest)


def penalty(cands, lam, continuous, mode_loss):
    if not continuous:
        K = len(cands)
        return lam * (np.ones((K, K)) - np.eye(K))
    l1 = np.abs(cands[:, None, :] - cands[None, :, :]).sum(axis=2)
    P = lam / 4.0 * l1 ** 2
    if mode_loss:
        lse = np.log(np.exp(-P).sum(axis=1))
        P = P + (lse - lse[0])[:, None]
    return P


def loss(X, centers, cands):
    # An empty state (a NaN centroid, below) costs infinity: a candidate that gives it weight is
    # never chosen (the convention of Shu's `jumpmodels`); the others sum over the used states.
    empty = np.isnan(centers).any(axis=1)
    d = 0.5 * ((X[:, None, :] - np.where(empty[:, None], 0.0, centers)[None, :, :]) ** 2).sum(axis=2)
    L = d[:, ~empty] @ cands[:, ~empty].T
    L[:, (cands[:, empty] > 0).any(axis=1)] = np.inf
    return L


def forward(L, P):
    V = np.empty_like(L)
    V[0] = L[0]
    for t in range(1, len(L)):
        V[t] = L[t] + (V[t - 1][:, None] + P).min(axis=0)
    return V


def dp(L, P):
    V = forward(L, P)
    T = len(L)
    s = np.empty(T, dtype=int)
    s[-1] = int(np.argmin(V[-1]))
    for t in range(T - 1, 0, -1):
        s[t - 1] = int(np.argmin(V[t - 1] + P[:, s[t]]))
    return s, float(V[-1, s[-1]])


def descend(X, centers, lam, continuous, grid_size, mode_loss, max_iter, tol):
    cands = candidates(centers.shape[0], continuous, grid_size)
    P = penalty(cands, lam, continuous, mode_loss)
    s, val = dp(loss(X, centers, cands), P)
    trace = [val]
    it = 0
    for it in range(1, max_iter + 1):
        W = cands[s]
        mass = W.sum(axis=0)
        sums = W.T @ X
        for k in range(len(centers)):
            if mass[k] > 0:
                centers[k] = sums[k] / mass[k]
        s_new, val_new = dp(loss(X, centers, cands), P)
        trace.append(val_new)
        done = np.array_equal(s_new, s) or val - val_new <= tol
        s, val = s_new, val_new
        if done:
            break
    # A state no row takes in the final solution has no centroid.
    centers[cands[s].sum(axis=0) == 0] = np.nan
    return s, val, centers, it, trace, cands, P


def main():
    X = np.loadtxt(sys.argv[1], delimiter=",", ndmin=2)
    centers = np.loadtxt(sys.argv[2], delimiter=",", ndmin=2)
    lam, continuous, grid = float(sys.argv[3]), sys.argv[4] == "1", float(sys.argv[5])
    mode_loss, max_iter, tol = sys.argv[6] == "1", int(sys.argv[7]), float(sys.argv[8])
    start = time.perf_counter()
    s, val, centers, it, trace, cands, P = descend(X, centers, lam, continuous, grid, mode_loss, max_iter, tol)
    seconds = time.perf_counter() - start
    online = forward(loss(X, centers, cands), P).argmin(axis=1)
    print(json.dumps({"objective": val, "states": s.tolist(), "probabilities": cands[s].tolist(),
                      "centers": [[None if np.isnan(v) else v for v in row] for row in centers.tolist()],
                      "iterations": it, "trace": trace,
                      "online_states": online.tolist(), "online_probabilities": cands[online].tolist(),
                      "seconds": seconds}))


if __name__ == "__main__":
    main()
