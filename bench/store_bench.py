#!/usr/bin/env python3
"""Store backends side by side (issue 8): the full snapshot ingest, a features build of the
default sets, and a wide export of one feature version, into a new SQLite file and into a real
PostgreSQL server started here (Debian's postgresql: initdb into a temporary directory,
pg_ctl on a free loopback port, stopped at the end), with the same `mre` commands. Prints rows
per second side by side. Reference point for the ingest: the issue's target of >= 200,000
rows/s through COPY.

Run with Debian's interpreter: /usr/bin/python3 bench/store_bench.py [--build build]
"""
import argparse
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SETS = ["indicators", "macro_ltv", "cross_asset", "effects"]


def server_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        sys.exit("store_bench: no PostgreSQL server binaries (apt-get install postgresql)")
    return os.path.dirname(found[-1])


def as_server(cmd):
    return ["runuser", "-u", "postgres", "--"] + cmd if os.geteuid() == 0 else cmd


class Server:
    def __init__(self):
        self.bin = server_bin()
        self.dir = tempfile.mkdtemp(prefix="mre-bench-pg-")
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        data = os.path.join(self.dir, "data")
        subprocess.run(as_server([os.path.join(self.bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
                                  "-E", "UTF8", "--locale=C", "--no-sync"]), check=True, capture_output=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        subprocess.run(as_server([os.path.join(self.bin, "pg_ctl"), "-D", data, "-o", opts, "-l",
                                  os.path.join(self.dir, "log"), "-w", "start"]), check=True, capture_output=True)
        subprocess.run(as_server([os.path.join(self.bin, "psql") if os.path.exists(os.path.join(self.bin, "psql")) else "psql",
                                  "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c", "CREATE DATABASE bench"]),
                       check=True, capture_output=True)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/bench"

    def stop(self):
        subprocess.run(as_server([os.path.join(self.bin, "pg_ctl"), "-D", os.path.join(self.dir, "data"), "-m", "fast",
                                  "stop"]), capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def timed(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"store_bench: {' '.join(cmd)} failed: {r.stderr}")
    return time.perf_counter() - t0, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    mre = os.path.abspath(os.path.join(args.build, "mre"))
    universe = os.path.abspath("config/universe.yml")
    server = Server()
    tmp = tempfile.mkdtemp(prefix="mre-bench-")
    try:
        results = {}
        for name, db in (("SQLite", os.path.join(tmp, "b.db")), ("PostgreSQL", server.url)):
            s, r = timed([mre, "ingest", "--db", db, "--universe", universe])
            rows = int(re.search(r"(\d+) new rows", r.stderr).group(1))
            results[(name, "ingest")] = (s, rows)
            values = 0
            total = 0.0
            version = None
            for fs in SETS:
                s, r = timed([mre, "features", "build", "--db", db, "--universe", universe, "--spec",
                              f"config/features/{fs}.yml", "--version", "auto"])
                total += s
                m = re.search(r"(\d+) values", r.stderr + r.stdout)
                values += int(m.group(1)) if m else 0
                if fs == "cross_asset":
                    version = re.search(r"F_cross_asset_[0-9a-f]+", r.stderr + r.stdout).group(0)
            results[(name, "features")] = (total, values)
            s, r = timed([mre, "features", "export", "--db", db, "--version", version])
            lines = r.stdout.count("\n") - 1
            cells = lines * (r.stdout.split("\n", 1)[0].count(","))
            results[(name, "export")] = (s, cells)
        print("| workload | SQLite s | SQLite rows/s | PostgreSQL s | PostgreSQL rows/s |")
        print("|---|---:|---:|---:|---:|")
        labels = {"ingest": "ingest, full snapshot (rows)", "features": "features build, 4 default sets (values)",
                  "export": "wide export, cross_asset (cells)"}
        for w in ("ingest", "features", "export"):
            (a, n), (b, m) = results[("SQLite", w)], results[("PostgreSQL", w)]
            print(f"| {labels[w]} | {a:.2f} | {n / a:,.0f} | {b:.2f} | {m / b:,.0f} |")
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
