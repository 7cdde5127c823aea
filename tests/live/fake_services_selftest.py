#!/usr/bin/env python3
"""Self-test of tests/live/fake_services.py: starts it as a subprocess (with a startup fault
script and a log file), exercises every endpoint and every fault kind with urllib, and checks
status, headers and JSON shape against tests/data/live/. Prints OK; exits 1 on the first
failure.

Run with Debian's interpreter: /usr/bin/python3 tests/live/fake_services_selftest.py
"""
import datetime
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "fake_services.py")
KEY = "abcdefghij0123456789abcdefghij01"
TODAY = "2025-01-15"
BASE = None


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def eq(got, want, what):
    if got != want:
        raise Failure(f"{what}: got {got!r}, want {want!r}")


def get(path, timeout=10):
    """(status, headers, body bytes); HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(BASE + path, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def get_json(path, status=200):
    code, headers, body = get(path)
    eq(code, status, f"status of {path}")
    eq(headers["Content-Type"], "application/json; charset=UTF-8", f"content type of {path}")
    return json.loads(body)


def post_script(rules):
    req = urllib.request.Request(BASE + "/__script", data=json.dumps(rules).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def fred(params):
    return "/fred/series/observations?" + "&".join(f"{k}={v}" for k, v in params.items())


def epoch(day):
    return int(datetime.datetime.fromisoformat(day).replace(
        tzinfo=datetime.timezone.utc).timestamp())


# ---------------------------------------------------------------------------------------------

def test_startup_script_and_log(log_path):
    # The --script file makes the first DGS10 request a 503, the second normal.
    code, _, _ = get(fred({"series_id": "DGS10", "api_key": KEY, "file_type": "json"}))
    eq(code, 503, "startup script: first DGS10")
    code, _, _ = get(fred({"series_id": "DGS10", "api_key": KEY, "file_type": "json"}))
    eq(code, 200, "startup script: second DGS10")
    with open(log_path) as f:
        lines = [json.loads(line) for line in f]
    check(len(lines) >= 2, "log file has a line per request")
    eq(lines[0]["method"], "GET", "log method")
    eq(lines[0]["path"], "/fred/series/observations", "log path")
    eq(lines[0]["query"]["series_id"], "DGS10", "log query")
    eq(lines[0]["fault"], {"status": 503}, "log fault")
    check(isinstance(lines[0]["time"], float), "log time")
    eq(lines[1]["fault"], None, "log: no fault on the second request")


def test_fred():
    doc = get_json(fred({"series_id": "GDP", "api_key": KEY, "file_type": "json"}))
    for k in ("realtime_start", "realtime_end", "observation_start", "observation_end", "units",
              "output_type", "file_type", "order_by", "sort_order", "count", "offset", "limit",
              "observations"):
        check(k in doc, f"FRED key {k}")
    eq((doc["realtime_start"], doc["realtime_end"]), (TODAY, TODAY), "FRED default period")
    obs = doc["observations"]
    eq(doc["count"], 4, "GDP current count")
    eq([o["date"] for o in obs], ["2023-04-01", "2023-07-01", "2023-10-01", "2024-01-01"],
       "GDP current dates")
    eq(obs[-1]["value"], "28255.928", "GDP 2024-01-01 current value")
    eq(set(obs[0]), {"realtime_start", "realtime_end", "date", "value"}, "observation keys")
    check(all(isinstance(o["value"], str) for o in obs), "values are strings")
    eq({(o["realtime_start"], o["realtime_end"]) for o in obs}, {(TODAY, TODAY)},
       "current rows clipped to today")

    # ALFRED: every vintage overlapping the period, with its real interval.
    doc = get_json(fred({"series_id": "GDP", "api_key": KEY, "file_type": "json",
                         "realtime_start": "2024-04-25", "realtime_end": "9999-12-31"}))
    q1 = [o for o in doc["observations"] if o["date"] == "2024-01-01"]
    eq([(o["value"], o["realtime_start"], o["realtime_end"]) for o in q1],
       [("28269.174", "2024-04-25", "2024-05-29"), ("28255.928", "2024-05-30", "9999-12-31")],
       "both GDP 2024Q1 vintages")
    eq(doc["count"], 5, "GDP vintage count")
    doc = get_json(fred({"series_id": "GDP", "api_key": KEY, "file_type": "json",
                         "realtime_start": "2024-05-01", "realtime_end": "2024-05-01"}))
    eq(doc["observations"][-1]["value"], "28269.174", "GDP as of 2024-05-01")
    eq(len(doc["observations"]), 4, "one vintage per date as of 2024-05-01")
    doc = get_json(fred({"series_id": "GDP", "api_key": KEY, "file_type": "json",
                         "realtime_start": "2024-01-01", "realtime_end": "2024-03-31"}))
    eq([o["date"] for o in doc["observations"]], ["2023-04-01", "2023-07-01", "2023-10-01"],
       "GDP before 2024Q1 was published")
    eq(doc["observations"][2]["realtime_start"], "2024-03-28", "clipped start")

    doc = get_json(fred({"series_id": "DGS10", "api_key": KEY, "file_type": "json",
                         "observation_start": "2024-03-05", "observation_end": "2024-03-11"}))
    eq([o["date"] for o in doc["observations"]],
       ["2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08", "2024-03-11"],
       "DGS10 observation window")
    doc = get_json(fred({"series_id": "DGS10", "api_key": KEY, "file_type": "json"}))
    eq(doc["count"], 15, "DGS10 count")
    doc = get_json(fred({"series_id": "DGS10", "api_key": KEY, "file_type": "json",
                         "sort_order": "desc", "limit": 2, "offset": 1}))
    eq([o["date"] for o in doc["observations"]], ["2024-03-20", "2024-03-19"], "desc/limit/offset")
    eq(doc["count"], 15, "count ignores limit")
    doc = get_json(fred({"series_id": "UNRATE", "api_key": KEY, "file_type": "json"}))
    eq([o["value"] for o in doc["observations"]], ["3.8", "3.7", ".", "3.7", "3.9", "3.8"],
       "UNRATE with a missing value")

    doc = get_json(fred({"series_id": "GDP", "api_key": "SHORT", "file_type": "json"}), 400)
    eq(doc, {"error_code": 400, "error_message":
             "Bad Request.  The value for variable api_key is not a 32 character alpha-numeric "
             "lower-case string.  Read https://fred.stlouisfed.org/docs/api/api_key.html for "
             "more information."}, "bad api_key")
    get_json(fred({"series_id": "GDP", "api_key": KEY.upper(), "file_type": "json"}), 400)
    doc = get_json(fred({"series_id": "NOPE", "api_key": KEY, "file_type": "json"}), 400)
    eq(doc, {"error_code": 400, "error_message": "Bad Request.  The series does not exist."},
       "unknown series")
    doc = get_json(fred({"series_id": "GDP", "api_key": KEY, "file_type": "json",
                         "observation_start": "2024-13-01"}), 400)
    eq(doc["error_code"], 400, "bad date")
    code, headers, body = get(fred({"series_id": "GDP", "api_key": KEY}))
    eq(code, 200, "xml status")
    check(headers["Content-Type"].startswith("text/xml") and body.startswith(b"<?xml"),
          "FRED without file_type answers XML")


def test_yahoo():
    p1, p2 = epoch("2024-03-01"), epoch("2024-03-22")
    doc = get_json(f"/v8/finance/chart/%5EGSPC?period1={p1}&period2={p2}&interval=1d"
                   "&events=div,splits")
    eq(set(doc["chart"]), {"result", "error"}, "chart keys")
    eq(doc["chart"]["error"], None, "chart error null")
    res = doc["chart"]["result"][0]
    meta = res["meta"]
    for k in ("currency", "symbol", "exchangeName", "instrumentType", "regularMarketPrice",
              "gmtoffset", "timezone", "exchangeTimezoneName", "dataGranularity"):
        check(k in meta, f"meta {k}")
    eq((meta["symbol"], meta["currency"], meta["instrumentType"]), ("^GSPC", "USD", "INDEX"),
       "meta")
    eq(meta["regularMarketPrice"], 5241.53, "regularMarketPrice = last close")
    ts = res["timestamp"]
    eq(len(ts), 15, "^GSPC rows")
    eq(ts[0], epoch("2024-03-01") + 14 * 3600 + 1800, "09:30 EST = 14:30 UTC")
    eq(ts[-1], epoch("2024-03-21") + 13 * 3600 + 1800, "09:30 EDT = 13:30 UTC")
    quote = res["indicators"]["quote"][0]
    eq(set(quote), {"open", "high", "low", "close", "volume"}, "quote keys")
    check(all(len(v) == 15 for v in quote.values()), "quote arrays as long as timestamp")
    eq(quote["close"][0], 5137.08, "first close")
    eq(quote["volume"][0], 4748110000, "first volume (an integer)")
    check(isinstance(quote["volume"][0], int), "volume is an integer")
    eq([quote[k][5] for k in ("open", "high", "low", "close", "volume")], [None] * 5,
       "2024-03-08 is nulls")
    adj = res["indicators"]["adjclose"][0]["adjclose"]
    eq(adj[5], None, "adjclose null too")
    eq(len(adj), 15, "adjclose length")

    doc = get_json(f"/v8/finance/chart/TLT?period1={epoch('2024-03-05')}"
                   f"&period2={epoch('2024-03-08')}&interval=1d")
    res = doc["chart"]["result"][0]
    eq(len(res["timestamp"]), 3, "TLT window [03-05, 03-08)")
    eq(res["indicators"]["adjclose"][0]["adjclose"], [92.03, 92.43, 92.63], "TLT adjclose")
    eq(res["indicators"]["quote"][0]["close"], [94.95, 95.36, 95.57], "TLT close")
    eq(res["meta"]["instrumentType"], "ETF", "TLT is an ETF")
    get_json(f"/v8/finance/chart/tlt?period1={p1}&period2={p2}&interval=1d")

    doc = get_json(f"/v8/finance/chart/TLT?period1={epoch('2023-01-01')}"
                   f"&period2={epoch('2023-02-01')}&interval=1d")
    res = doc["chart"]["result"][0]
    check("timestamp" not in res, "empty window: no timestamp")
    eq(res["indicators"], {"quote": [{}], "adjclose": [{}]}, "empty window indicators")

    doc = get_json(f"/v8/finance/chart/NOPE?period1={p1}&period2={p2}&interval=1d", 404)
    eq(doc, {"chart": {"result": None, "error": {
        "code": "Not Found", "description": "No data found, symbol may be delisted"}}},
       "unknown symbol")
    doc = get_json(f"/v8/finance/chart/TLT?period1={p2}&period2={p1}&interval=1d", 400)
    eq(doc["chart"]["error"]["code"], "Bad Request", "period1 > period2")


def test_worldbank():
    rows, pages, page = [], None, 1
    while True:
        doc = get_json(f"/v2/country/US;DE/indicator/NY.GDP.MKTP.KD.ZG?format=json&per_page=2"
                       f"&page={page}")
        eq(len(doc), 2, "two-element array")
        head = doc[0]
        eq(set(head), {"page", "pages", "per_page", "total", "sourceid", "lastupdated"},
           "header keys")
        eq((head["page"], head["per_page"], head["total"], head["sourceid"]), (page, 2, 12, "2"),
           "header")
        pages = head["pages"]
        eq(len(doc[1]), 2, f"page {page} size")
        rows += doc[1]
        if page >= pages:
            break
        page += 1
    eq(pages, 6, "12 rows / 2 per page")
    eq(len(rows), 12, "all rows")
    r = rows[0]
    eq(set(r), {"indicator", "country", "countryiso3code", "date", "value", "unit", "obs_status",
                "decimal"}, "row keys")
    eq(r["indicator"], {"id": "NY.GDP.MKTP.KD.ZG", "value": "GDP growth (annual %)"}, "indicator")
    eq((r["country"], r["countryiso3code"], r["date"], r["value"]),
       ({"id": "DE", "value": "Germany"}, "DEU", "2023", None), "first row: DE 2023 null")
    eq([x["date"] for x in rows[:6]], ["2023", "2022", "2021", "2020", "2019", "2018"],
       "newest first")
    eq({x["countryiso3code"] for x in rows[6:]}, {"USA"}, "US after Germany")
    eq(rows[6]["value"], 2.5, "US 2023")

    doc = get_json("/v2/country/USA/indicator/FP.CPI.TOTL.ZG?format=json&date=2019:2021")
    eq([(x["date"], x["value"]) for x in doc[1]], [("2021", 4.7), ("2020", 1.23), ("2019", 1.81)],
       "date range, ISO3 code")
    doc = get_json("/v2/country/US/indicator/FR.INR.RINR?format=json&date=2021")
    eq(doc[1][0]["value"], None, "FR.INR.RINR US 2021 null")
    doc = get_json("/v2/country/US;DE/indicator/NE.TRD.GNFS.ZS?format=json&page=9")
    eq(doc[1], None, "page past the end")
    eq(doc[0]["page"], 9, "page echoed")
    doc = get_json("/v2/country/all/indicator/NE.TRD.GNFS.ZS?format=json")
    eq(doc[0]["total"], 12, "all countries")
    want = [{"message": [{"id": "120", "key": "Invalid value",
                          "value": "The provided parameter value is not valid"}]}]
    eq(get_json("/v2/country/US/indicator/NOPE.NOPE?format=json"), want, "unknown indicator")
    eq(get_json("/v2/country/ZZ/indicator/FR.INR.RINR?format=json"), want, "unknown country")


def test_faults():
    gdp = fred({"series_id": "GDP", "api_key": KEY, "file_type": "json"})
    unrate = fred({"series_id": "UNRATE", "api_key": KEY, "file_type": "json"})
    eq(post_script([
        {"match": {"path_prefix": "/fred/", "query": {"series_id": "GDP"}},
         "responses": [{"status": 429, "headers": {"Retry-After": "1"}},
                       {"status": 500},
                       {"status": 503, "times": 3},
                       {"pass": True},
                       {"malformed": True},
                       {"truncated": True},
                       {"content_type": "text/html", "body": "<html>maintenance</html>"},
                       {"delay": 2.5},
                       {"reset": True}]},
    ]), {"rules": 1}, "POST /__script")

    # A rule with a query only hits that series.
    get_json(unrate)
    code, headers, body = get(gdp)
    eq(code, 429, "429")
    eq(headers["Retry-After"], "1", "Retry-After header")
    eq(json.loads(body)["error_code"], 429, "FRED-style 429 body")
    eq(get(gdp)[0], 500, "500")
    for i in range(3):
        eq(get(gdp)[0], 503, f"503 #{i + 1} of 3")
    eq(get_json(gdp)["count"], 4, "pass")
    code, headers, body = get(gdp)
    eq(code, 200, "malformed status")
    check(headers["Content-Type"].startswith("application/json"), "malformed content type")
    try:
        json.loads(body)
        raise Failure("malformed body parsed as JSON")
    except json.JSONDecodeError:
        pass
    try:
        with urllib.request.urlopen(BASE + gdp, timeout=10) as r:
            eq(r.status, 200, "truncated status")
            check(int(r.headers["Content-Length"]) > 0, "truncated Content-Length")
            r.read()
        raise Failure("truncated body read completely")
    except http.client.IncompleteRead as e:
        check(len(e.partial) < int(r.headers["Content-Length"]), "truncated: short body")
    code, headers, body = get(gdp)
    eq((code, headers["Content-Type"], body), (200, "text/html", b"<html>maintenance</html>"),
       "wrong content type")
    t0 = time.monotonic()
    doc = get_json(gdp)
    elapsed = time.monotonic() - t0
    check(elapsed > 2.0, f"delay: answered after {elapsed:.2f}s")
    eq(doc["count"], 4, "delay then normal answer")
    try:
        urllib.request.urlopen(BASE + gdp, timeout=10).read()
        raise Failure("reset answered")
    except (urllib.error.URLError, http.client.RemoteDisconnected, ConnectionError):
        pass
    eq(get_json(gdp)["count"], 4, "normal after the rule is used up")

    # Rules for the other services, matched by path prefix; the script state is visible.
    post_script({"rules": [
        {"match": {"path_prefix": "/v8/finance/chart/"}, "responses": [{"status": 429,
                                                                       "headers": {
                                                                           "Retry-After": "2"}}]},
        {"match": {"path_prefix": "/v2/"}, "responses": [{"status": 502}, {"malformed": True}]},
    ]})
    state = get_json("/__script")
    eq([len(r["left"]) for r in state], [1, 2], "GET /__script")
    code, headers, body = get("/v8/finance/chart/TLT?period1=0&period2=2000000000&interval=1d")
    eq((code, headers["Retry-After"]), (429, "2"), "Yahoo 429")
    check(body.startswith(b"<html>"), "generic error page")
    wb = "/v2/country/US/indicator/FR.INR.RINR?format=json"
    eq(get(wb)[0], 502, "World Bank 502")
    try:
        json.loads(get(wb)[2])
        raise Failure("World Bank malformed body parsed")
    except json.JSONDecodeError:
        pass
    eq(get_json(wb)[0]["total"], 6, "World Bank normal again")
    eq(get_json("/v8/finance/chart/TLT?period1=0&period2=2000000000&interval=1d")
       ["chart"]["result"][0]["meta"]["symbol"], "TLT", "Yahoo normal again")

    # Bad scripts are refused.
    try:
        post_script([{"match": {}, "responses": [{"status": 500, "times": 0}]}])
        raise Failure("bad script accepted")
    except urllib.error.HTTPError as e:
        eq(e.code, 400, "bad script status")
    post_script([])


def test_log():
    log = get_json("/__log")
    check(isinstance(log, list) and log, "GET /__log")
    check(all(not e["path"].startswith("/__") for e in log), "control requests not logged")
    windows = [(e["query"].get("realtime_start"), e["query"].get("realtime_end"))
               for e in log if e["query"].get("series_id") == "GDP"]
    check(("2024-04-25", "9999-12-31") in windows, "log shows the vintage window fetched")
    req = urllib.request.Request(BASE + "/__log", method="DELETE")
    urllib.request.urlopen(req, timeout=10).read()
    eq(get_json("/__log"), [], "log cleared")


def test_concurrency():
    # A delayed request must not hold up another one (threaded server).
    post_script([{"match": {"path_prefix": "/fred/"}, "responses": [{"delay": 2.0}]}])
    s = socket.create_connection(("127.0.0.1", int(BASE.rsplit(":", 1)[1])))
    s.sendall(("GET " + fred({"series_id": "GDP", "api_key": KEY, "file_type": "json"}) +
               " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").encode())
    time.sleep(0.2)
    t0 = time.monotonic()
    get_json("/v2/country/US/indicator/FR.INR.RINR?format=json")
    check(time.monotonic() - t0 < 1.0, "second request answered while the first sleeps")
    s.settimeout(10)
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    check(data.startswith(b"HTTP/1.1 200"), "delayed request answered")


def main():
    global BASE
    tmp = tempfile.mkdtemp(prefix="fake_services_selftest.")
    script_path = os.path.join(tmp, "script.json")
    log_path = os.path.join(tmp, "requests.jsonl")
    with open(script_path, "w") as f:
        json.dump([{"match": {"path_prefix": "/fred/", "query": {"series_id": "DGS10"}},
                    "responses": [{"status": 503}]}], f)
    proc = subprocess.Popen([sys.executable, SERVER, "--script", script_path, "--log", log_path,
                             "--today", TODAY], stdout=subprocess.PIPE, text=True)
    failed = False
    try:
        first = proc.stdout.readline().split()
        if len(first) != 2 or first[0] != "PORT":
            raise Failure(f"first line is not 'PORT <n>': {first!r}")
        BASE = f"http://127.0.0.1:{int(first[1])}"
        for test in (lambda: test_startup_script_and_log(log_path), test_fred, test_yahoo,
                     test_worldbank, test_faults, test_log, test_concurrency):
            test()
    except Exception:
        traceback.print_exc()
        failed = True
    finally:
        proc.terminate()
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        if not failed and rc != 0:
            print(f"fake_services exited with {rc} on SIGTERM", file=sys.stderr)
            failed = True
        for name in os.listdir(tmp):
            os.remove(os.path.join(tmp, name))
        os.rmdir(tmp)
    if failed:
        print("FAILED", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
