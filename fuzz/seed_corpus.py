#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/corpus/ from the repository's own valid examples (run from
the repository root; see docs/fuzzing.md). csv: tests/data/sources and the first lines of a few
snapshot files; yaml: config/ specs (first byte picks the parser, as in fuzz_yaml.cc); http: the
requests of tests/server/cases as raw HTTP/1.1 with the harness's token; codec: the JSON
documents a store holds, when --store-json DIR names files written by `mre ... --json` (else
small hand-written documents)."""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"


def write(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def csv_seeds():
    for f in sorted((ROOT / "tests/data/sources").glob("*.csv")):
        write("csv", f.name, f.read_bytes())
    for rel in ["data/snapshot/fred/AAA.csv", "data/snapshot/yahoo/AGG.csv"]:
        lines = (ROOT / rel).read_bytes().splitlines(keepends=True)[:12]
        write("csv", pathlib.Path(rel).name, b"".join(lines))
    write("csv", "quoted.csv", b'\xef\xbb\xbfdate,"a ""b""",c\r\n2020-01-01,"1.5",NA\r\n\r\n2020-01-02, +2 ,.\r\n')


YAML_SELECTOR = {"features": 0, "regimes": 1, "classifier": 2, "effects": 3, "scm": 4, "backtests": 6}


def yaml_seeds():
    for f in sorted((ROOT / "config").rglob("*.yml")):
        kind = f.parent.name if f.parent.name in YAML_SELECTOR else f.stem
        if kind not in YAML_SELECTOR:
            continue
        write("yaml", f"{kind}_{f.stem}.yml", bytes([YAML_SELECTOR[kind]]) + f.read_bytes())
    write("yaml", "features_other_ops.yml", bytes([0]) + (ROOT / "tests/data/features/other_ops.yml").read_bytes())
    for i, text in enumerate(["TP=+0.25", "EFFR=-0.5@2024-01-02..2024-03-01", "Re=1e-3@2024-06-28.."]):
        write("yaml", f"do_{i}.txt", bytes([5]) + text.encode())


def http_seeds():
    for f in sorted((ROOT / "tests/server/cases").glob("*.json")):
        r = json.loads(f.read_text())["request"]
        body = r["raw_body"] if "raw_body" in r else (json.dumps(r["body"]) if "body" in r else "")
        head = f"{r['method']} {r['path']} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer fuzz-token\r\n"
        if r["method"] != "GET":
            head += f"Content-Type: application/json\r\nContent-Length: {len(body.encode())}\r\n"
        write("http", f.stem + ".http", head + "\r\n" + body)
    write("http", "chunked.http", "POST /api/classify HTTP/1.1\r\nAuthorization: Bearer fuzz-token\r\n"
          "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n")
    write("http", "pipelined.http", "GET /api/health HTTP/1.1\r\nAuthorization: Bearer fuzz-token\r\n\r\n"
          "GET /api/series HTTP/1.1\r\nAuthorization: Bearer fuzz-token\r\n\r\n")
    write("http", "no_token.http", "GET /api/health HTTP/1.1\r\n\r\n")


CODEC_SELECTOR = {"classifier_model": 0, "filter_state": 1, "filter_values": 2, "observation": 3, "hmm": 4, "scm": 5,
                  "effects": 6}


def codec_seeds(store_json):
    if store_json:
        for f in sorted(pathlib.Path(store_json).glob("*.json")):
            kind = f.stem.split(".")[0]
            write("codec", f.name, bytes([CODEC_SELECTOR[kind]]) + f.read_bytes())
            if kind == "classifier_model":
                hmm = json.loads(f.read_text())["global_macro"]["hmm"]
                write("codec", "hmm." + f.stem.split(".", 1)[1] + ".json", bytes([CODEC_SELECTOR["hmm"]]) + json.dumps(hmm).encode())
    write("codec", "filter_state.json", bytes([1]) + b'{"global":[0.5,0.25,0.25],"muni":[1,0],"values":[1,null,2]}')
    write("codec", "filter_values.json", bytes([2]) + b'{"global":[1],"muni":[1],"values":[0.5,null,1e308]}')
    obs = json.loads((ROOT / "tests/server/cases/25_classify.json").read_text())["request"]["body"]
    write("codec", "observation.json", bytes([3]) + json.dumps(obs).encode())
    write("codec", "observation_nested.json", bytes([3]) + json.dumps(
        {"timestamp": obs["timestamp"], "indicators": {k: v for k, v in obs.items() if k not in ("timestamp", "instrument_type")}}).encode())
    write("codec", "hmm.json", bytes([4]) + json.dumps(
        {"model": "gaussian_hmm", "covariance": "full", "features": ["a", "b"], "initial": [0.5, 0.5],
         "transition": [[0.9, 0.1], [0.2, 0.8]], "means": [[0, 1], [1, 0]],
         "covariances": [[[1, 0.1], [0.1, 1]], [[2, 0], [0, 2]]]}).encode())
    write("codec", "effects.json", bytes([6]) + json.dumps(
        [{"node": "TP", "unit": "pp", "mean": 0.25, "q05": 0.1, "q25": 0.2, "q50": 0.25, "q75": 0.3, "q95": 0.4}]).encode())


if __name__ == "__main__":
    store_json = sys.argv[sys.argv.index("--store-json") + 1] if "--store-json" in sys.argv else None
    csv_seeds()
    yaml_seeds()
    http_seeds()
    codec_seeds(store_json)
