#!/usr/bin/python3
"""Latency of GET /api/health while `mre serve` is under abuse (issue 26).

Starts `mre serve` on a free loopback port over a store, then for DURATION seconds runs at once:
8 slow-header connections (one byte every 0.5 s, re-opened when cut off), a loop of deep-JSON
bodies (200,000 levels), invalid UTF-8 bodies and chunked bodies past the 1 MiB limit, and 4
clients flooding POST /api/counterfactual at the maximum size (each past a 1 s time limit).
Meanwhile /api/health is asked every 50 ms on a fresh connection; prints the latency
percentiles (target p99 < 100 ms; the test suite allows 2 s) and the same with no abuse.

Usage: bench/server_abuse_bench.py DB [BUILD_DIR] [DURATION_SECONDS]
(DB: a store with an SCM version, e.g. make run's mre.db). Standard library only.
"""
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time


def start_server(mre, db):
    out = tempfile.NamedTemporaryFile("w+", delete=False)
    proc = subprocess.Popen([mre, "serve", "--db", db, "--port", "0", "--time-limit", "1"],
                            stdout=out, stderr=subprocess.DEVNULL)
    for _ in range(400):
        with open(out.name) as f:
            text = f.read()
        if "PORT" in text:
            return proc, int(text.split("PORT")[1].split()[0])
        time.sleep(0.025)
    proc.kill()
    sys.exit("mre serve did not start")


def health_ms(port):
    t0 = time.perf_counter()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/api/health")
        r = c.getresponse()
        r.read()
        ok = r.status == 200
        c.close()
    except OSError:
        ok = False
    return (time.perf_counter() - t0) * 1000 if ok else float("inf")


def raw(port, data, read=True, timeout=3):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        s.sendall(data)
        if read:
            s.recv(65536)
        s.close()
    except OSError:
        pass


def post(path, body):
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def percentiles(values):
    v = sorted(values)
    pick = lambda p: v[min(len(v) - 1, int(p * len(v)))]
    return {"n": len(v), "p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "max": v[-1]}


def measure(port, seconds):
    samples = []
    end = time.time() + seconds
    while time.time() < end:
        samples.append(health_ms(port))
        time.sleep(0.05)
    return percentiles(samples)


def main():
    db = sys.argv[1]
    build = sys.argv[2] if len(sys.argv) > 2 else "build"
    duration = float(sys.argv[3]) if len(sys.argv) > 3 else 20
    proc, port = start_server(os.path.join(build, "mre"), db)
    stop = threading.Event()

    def slow():
        while not stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(b"GET /api/health HTTP/1.1\r\n")
                while not stop.is_set():
                    s.sendall(b"X")
                    time.sleep(0.5)
            except OSError:
                pass

    def bodies():
        deep = b'{"interventions": ' + b"[" * 200000 + b"]" * 200000 + b"}"
        chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
        while not stop.is_set():
            raw(port, post("/api/counterfactual", deep))
            raw(port, post("/api/causal-analysis", b'{"macro_variable": "TP\xff", "asset": "sp500"}'))
            raw(port, b"POST /api/counterfactual HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 40)

    def flood():
        body = b'{"interventions": ["TP=+0.25"], "horizon": 2520, "paths": 100000}'
        while not stop.is_set():
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                c.request("POST", "/api/counterfactual", body, {"Content-Type": "application/json"})
                c.getresponse().read()
                c.close()
            except OSError:
                pass

    try:
        quiet = measure(port, 5)
        threads = [threading.Thread(target=slow) for _ in range(8)]
        threads += [threading.Thread(target=bodies)] + [threading.Thread(target=flood) for _ in range(4)]
        for t in threads:
            t.daemon = True
            t.start()
        abused = measure(port, duration)
        stop.set()
        alive = proc.poll() is None and health_ms(port) < 2000
    finally:
        stop.set()
        proc.terminate()
        proc.wait()
    fmt = lambda p: f"n={p['n']} p50={p['p50']:.1f} ms p90={p['p90']:.1f} ms p99={p['p99']:.1f} ms max={p['max']:.1f} ms"
    print("GET /api/health, quiet:       " + fmt(quiet))
    print("GET /api/health, under abuse: " + fmt(abused))
    print("server alive after: " + ("yes" if alive else "NO"))


if __name__ == "__main__":
    main()
