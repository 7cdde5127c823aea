#!/usr/bin/env python3
"""Stand-ins for FRED/ALFRED, Yahoo Finance's chart API and the World Bank v2 API (issue 10).

Tests of `mre ingest`'s live clients must never touch the network. This server listens on
127.0.0.1 only, answers in each service's documented JSON format from small fixture files
(tests/data/live/, see its README.md), and can be told to misbehave by a fault script.

Run with Debian's interpreter (standard library only):

    /usr/bin/python3 tests/live/fake_services.py [--port 0] [--fixtures DIR] [--script FILE]
                                                 [--log FILE] [--today YYYY-MM-DD] [--verbose]

The first line on stdout is `PORT <n>` (flushed); nothing else is written to stdout. Point the
client at it with

    MRE_FRED_URL=http://127.0.0.1:<n>/fred
    MRE_YAHOO_URL=http://127.0.0.1:<n>
    MRE_WORLDBANK_URL=http://127.0.0.1:<n>

The server runs until killed (SIGTERM or SIGINT end it cleanly with exit status 0).

Endpoints
---------
GET /fred/series/observations?series_id=ID&api_key=K&file_type=json
        [&observation_start=D][&observation_end=D][&realtime_start=D&realtime_end=D]
        [&sort_order=asc|desc][&limit=N][&offset=N]
    Data: fred/ID.json, every vintage as a row {realtime_start, realtime_end, date, value}
    (realtime_end inclusive, 9999-12-31 = still current). The real-time period defaults to
    [today, today], as on FRED, so without realtime_* only the rows current today come back;
    with them, every row whose real-time interval overlaps the period (ALFRED). As FRED does,
    each returned row's realtime_start/realtime_end is clipped to the requested period (so
    without realtime_* both read today's date). Errors, as FRED sends them with
    file_type=json: 400 {"error_code": 400, "error_message": ...}. The api_key and
    unknown-series messages are FRED's verbatim; the others (bad date, missing series_id,
    unsupported parameter) follow FRED's style but are not guaranteed word for word. Without
    file_type (or file_type=xml) FRED answers XML; so does this server (text/xml).
GET /v8/finance/chart/SYMBOL?period1=EPOCH&period2=EPOCH&interval=1d[&events=div,splits]
    Data: yahoo/SYMBOL.csv (date,open,high,low,close,adj_close,volume; an empty field becomes
    null, as Yahoo sends for days it has no prints for). Rows whose timestamp (09:30
    America/New_York that day, US DST rules) is in [period1, period2) come back. A window with
    no rows gives what Yahoo gives: meta, no "timestamp" key, "quote": [{}], "adjclose": [{}].
    Symbols are case-insensitive (as on Yahoo). Unknown symbol: 404 {"chart": {"result": null, "error": {"code": "Not Found", ...}}}.
    Only interval=1d is served. `events` is accepted; the fixtures hold no dividends or
    splits, so no "events" key is sent (Yahoo leaves it out too when there are none).
GET /v2/country/CODES/indicator/ID?format=json[&per_page=N][&page=P][&date=YYYY[:YYYY]]
    Data: worldbank/ID.csv (country_iso2,country_iso3,country_name,date,value). CODES: ISO2
    or ISO3 codes separated by ';', or `all`. Rows sorted by country name, then newest year
    first, and really paged (per_page default 50). A page past the end, or no rows at all,
    gives [header, null] as the real API does. Unknown indicator or country: 200 with
    [{"message": [{"id": "120", "key": "Invalid value", ...}]}]. Without format=json the
    real API answers XML; so does this server (a minimal document).
GET /__log            the request log (JSON list; control requests are not logged)
DELETE /__log         empty the request log
GET /__script         the fault script's rules with what is left of each
POST /v1/chat/completions   an OpenAI-compatible chat stub: "Rewritten: " + the last user message
POST /__script        replace the fault script (body: the same JSON as --script); returns
                      {"rules": <count>}

Each log entry: {"method", "path", "query": {name: value, or a list if repeated},
"time": epoch seconds on arrival, "fault": the script response applied or null}. --log FILE
appends the same entries to FILE, one JSON object per line.

Fault script
------------
A JSON list of rules (or {"rules": [...]}):

    [{"match": {"path_prefix": "/fred/series/observations", "query": {"series_id": "GDP"}},
      "responses": [{"status": 429, "headers": {"Retry-After": "1"}},
                    {"status": 503, "times": 2},
                    {"pass": true},
                    {"truncated": true}]},
     {"match": {"path_prefix": "/v2/"}, "responses": [{"delay": 3.0}]}]

A request takes the next response of the first rule that matches it (path starts with
path_prefix, default ""; every key in `query` equals the request's value) and still has
responses left; when no such rule is left it is answered normally. Responses:

    {"status": S}                  status S; body `body` if given, else FRED's error JSON for
                                   /fred/ paths and a small HTML page elsewhere
    {"malformed": true}            200, application/json, a body that is not valid JSON
                                   (the first half of the normal answer)
    {"truncated": true}            the normal answer's status and headers, Content-Length of
                                   the whole body, half the body sent, connection closed
    {"content_type": T, "body": B} 200 (or `status`) with that content type and body
    {"reset": true}                close the connection without answering
    {"delay": SECONDS}             sleep first; alone (or with "pass") then answer normally
    {"pass": true}                 answer normally
    "headers": {...}               extra response headers, on any of the above
    "times": N                     use this response N times in a row (default 1)
"""
import argparse
import csv
import datetime
import html
import json
import math
import os
import re
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

JSON_TYPE = "application/json; charset=UTF-8"
XML_TYPE = "text/xml; charset=UTF-8"
HTML_TYPE = "text/html; charset=UTF-8"

FRED_KEY_MESSAGE = ("Bad Request.  The value for variable api_key is not a 32 character "
                    "alpha-numeric lower-case string.  Read "
                    "https://fred.stlouisfed.org/docs/api/api_key.html for more information.")
FRED_NO_KEY_MESSAGE = ("Bad Request.  Variable api_key is not set.  Read "
                       "https://fred.stlouisfed.org/docs/api/api_key.html for more information.")
FRED_NO_SERIES_MESSAGE = "Bad Request.  The series does not exist."
FRED_REASONS = {429: "Too Many Requests.  Exceeded Rate Limit",
                500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                504: "Gateway Timeout"}

WORLDBANK_INVALID = [{"message": [{"id": "120", "key": "Invalid value",
                                   "value": "The provided parameter value is not valid"}]}]
WORLDBANK_NAMES = {
    "NY.GDP.MKTP.KD.ZG": "GDP growth (annual %)",
    "FP.CPI.TOTL.ZG": "Inflation, consumer prices (annual %)",
    "FR.INR.RINR": "Real interest rate (%)",
    "NE.TRD.GNFS.ZS": "Trade (% of GDP)",
}
WORLDBANK_LASTUPDATED = "2024-06-28"

YAHOO_META = {
    "^GSPC": {"exchangeName": "SNP", "fullExchangeName": "SNP", "instrumentType": "INDEX",
              "firstTradeDate": -1325583000, "longName": "S&P 500", "shortName": "S&P 500"},
    "TLT": {"exchangeName": "NGM", "fullExchangeName": "NasdaqGM", "instrumentType": "ETF",
            "firstTradeDate": 1027949400,
            "longName": "iShares 20+ Year Treasury Bond ETF",
            "shortName": "iShares 20+ Year Treasury Bond"},
}
YAHOO_INTERVALS = ["1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h", "1d", "5d", "1wk",
                   "1mo", "3mo"]
YAHOO_RANGES = ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
KEY_RE = re.compile(r"^[a-z0-9]{32}$")


class Reply:
    """A response before it is sent."""

    def __init__(self, status, body, content_type=JSON_TYPE, headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.content_type = content_type
        self.headers = dict(headers or {})


def json_reply(status, obj):
    return Reply(status, json.dumps(obj, separators=(",", ":")), JSON_TYPE)


def valid_date(text):
    if not DATE_RE.match(text):
        return False
    if text == "9999-12-31":
        return True
    try:
        datetime.date.fromisoformat(text)
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------
# FRED / ALFRED

def fred_error(message, status=400):
    return json_reply(status, {"error_code": status, "error_message": message})


def load_fred(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    rows = data["observations"] if isinstance(data, dict) else data
    return sorted(rows, key=lambda r: (r["date"], r["realtime_start"]))


def fred_observations(fixtures, query, today):
    file_type = query.get("file_type", "xml")
    api_key = query.get("api_key")
    if api_key is None:
        return fred_error(FRED_NO_KEY_MESSAGE)
    if not KEY_RE.match(api_key):
        return fred_error(FRED_KEY_MESSAGE)
    if file_type not in ("json", "xml"):
        return fred_error("Bad Request.  Variable file_type is not one of the values: xml, json.")
    series_id = query.get("series_id")
    if not series_id:
        return fred_error("Bad Request.  Variable series_id is not set.")
    for name in ("vintage_dates", "frequency", "aggregation_method"):
        if query.get(name):
            return fred_error(f"Bad Request.  fake_services does not support variable {name}.")
    if query.get("units", "lin") != "lin":
        return fred_error("Bad Request.  fake_services serves units=lin only.")
    if query.get("output_type", "1") != "1":
        return fred_error("Bad Request.  fake_services serves output_type=1 only.")
    params = {"observation_start": "1776-07-04", "observation_end": "9999-12-31",
              "realtime_start": today, "realtime_end": today}
    for name in params:
        if name in query:
            if not valid_date(query[name]):
                return fred_error(f"Bad Request.  Variable {name} is not a valid date "
                                  "(YYYY-MM-DD).")
            params[name] = query[name]
    if params["realtime_start"] > params["realtime_end"]:
        return fred_error("Bad Request.  Variable realtime_start can not be after variable "
                          "realtime_end.")
    if params["observation_start"] > params["observation_end"]:
        return fred_error("Bad Request.  Variable observation_start can not be after variable "
                          "observation_end.")
    sort_order = query.get("sort_order", "asc")
    if sort_order not in ("asc", "desc"):
        return fred_error("Bad Request.  Variable sort_order is not one of the values: asc, desc.")
    try:
        limit = int(query.get("limit", "100000"))
        offset = int(query.get("offset", "0"))
    except ValueError:
        return fred_error("Bad Request.  Variables limit and offset must be integers.")
    if not (1 <= limit <= 100000) or offset < 0:
        return fred_error("Bad Request.  Variable limit is not between 1 and 100000, or offset "
                          "is negative.")

    path = os.path.join(fixtures, "fred", series_id + ".json")
    if "/" in series_id or not os.path.isfile(path):
        return fred_error(FRED_NO_SERIES_MESSAGE)
    rs, re_ = params["realtime_start"], params["realtime_end"]
    rows = []
    for r in load_fred(path):
        if not (params["observation_start"] <= r["date"] <= params["observation_end"]):
            continue
        if r["realtime_start"] > re_ or r["realtime_end"] < rs:
            continue
        rows.append({"realtime_start": max(r["realtime_start"], rs),
                     "realtime_end": min(r["realtime_end"], re_),
                     "date": r["date"], "value": str(r["value"])})
    if sort_order == "desc":
        rows.sort(key=lambda r: (r["date"], r["realtime_start"]), reverse=True)
    page = rows[offset:offset + limit]
    if file_type == "xml":
        lines = ['<?xml version="1.0" encoding="utf-8" ?>',
                 '<observations realtime_start="%s" realtime_end="%s" observation_start="%s" '
                 'observation_end="%s" units="lin" output_type="1" file_type="text/xml" '
                 'order_by="observation_date" sort_order="%s" count="%d" offset="%d" '
                 'limit="%d">' % (rs, re_, params["observation_start"],
                                  params["observation_end"], sort_order, len(rows), offset,
                                  limit)]
        for r in page:
            lines.append('  <observation realtime_start="%s" realtime_end="%s" date="%s" '
                         'value="%s"/>' % (r["realtime_start"], r["realtime_end"], r["date"],
                                           html.escape(r["value"])))
        lines.append("</observations>")
        return Reply(200, "\n".join(lines) + "\n", XML_TYPE)
    return json_reply(200, {
        "realtime_start": rs, "realtime_end": re_,
        "observation_start": params["observation_start"],
        "observation_end": params["observation_end"],
        "units": "lin", "output_type": 1, "file_type": "json",
        "order_by": "observation_date", "sort_order": sort_order,
        "count": len(rows), "offset": offset, "limit": limit,
        "observations": page,
    })


# ---------------------------------------------------------------------------------------------
# Yahoo Finance chart API

def us_eastern_offset(day):
    """UTC offset in seconds of America/New_York on `day` (rules since 2007)."""
    def nth_sunday(year, month, n):
        d = datetime.date(year, month, 1)
        d += datetime.timedelta(days=(6 - d.weekday()) % 7)
        return d + datetime.timedelta(weeks=n - 1)
    start = nth_sunday(day.year, 3, 2)
    end = nth_sunday(day.year, 11, 1)
    return -14400 if start <= day < end else -18000


def market_open(day):
    """Epoch seconds of 09:30 New York time on `day`."""
    midnight = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc)
    return int(midnight.timestamp()) + 9 * 3600 + 1800 - us_eastern_offset(day)


def yahoo_error(status, code, description):
    return json_reply(status, {"chart": {"result": None,
                                         "error": {"code": code, "description": description}}})


def number(text, integer=False):
    text = text.strip()
    if text == "" or text.lower() in ("null", "nan"):
        return None
    return int(float(text)) if integer else float(text)


def yahoo_chart(fixtures, symbol, query):
    interval = query.get("interval", "1d")
    if interval not in YAHOO_INTERVALS:
        return yahoo_error(400, "Bad Request",
                           f"Invalid input - interval={interval} is not supported. Valid "
                           f"intervals: [{', '.join(YAHOO_INTERVALS)}]")
    if interval != "1d":
        return yahoo_error(400, "Bad Request", "fake_services serves interval=1d only")
    try:
        period1 = int(query.get("period1", "0"))
        period2 = int(query.get("period2", str(int(time.time()))))
    except ValueError:
        return yahoo_error(400, "Bad Request", "Invalid input - period1 and period2 must be "
                                               "epoch seconds")
    if period1 > period2:
        return yahoo_error(400, "Bad Request",
                           f"Invalid input - start date cannot be after end date. startDate = "
                           f"{period1}, endDate = {period2}")
    path = os.path.join(fixtures, "yahoo", symbol + ".csv")
    if "/" in symbol or not symbol or not os.path.isfile(path):
        return yahoo_error(404, "Not Found", "No data found, symbol may be delisted")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows.sort(key=lambda r: r["date"])

    last_day = datetime.date.fromisoformat(rows[-1]["date"]) if rows else datetime.date.today()
    offset = us_eastern_offset(last_day)
    last_open = market_open(last_day)
    closes = [number(r["close"]) for r in rows if number(r["close"]) is not None]
    extra = YAHOO_META.get(symbol, {"exchangeName": "NMS", "fullExchangeName": "NasdaqGS",
                                    "instrumentType": "EQUITY", "firstTradeDate": 0,
                                    "longName": symbol, "shortName": symbol})

    def period(start, end):
        return {"timezone": "EDT" if offset == -14400 else "EST", "start": start, "end": end,
                "gmtoffset": offset}

    meta = {
        "currency": "USD", "symbol": symbol,
        "exchangeName": extra["exchangeName"], "fullExchangeName": extra["fullExchangeName"],
        "instrumentType": extra["instrumentType"], "firstTradeDate": extra["firstTradeDate"],
        "regularMarketTime": last_open + 23400,
        "hasPrePostMarketData": extra["instrumentType"] != "INDEX",
        "gmtoffset": offset, "timezone": "EDT" if offset == -14400 else "EST",
        "exchangeTimezoneName": "America/New_York",
        "regularMarketPrice": closes[-1] if closes else None,
        "longName": extra["longName"], "shortName": extra["shortName"],
        "chartPreviousClose": closes[0] if closes else None,
        "priceHint": 2,
        "currentTradingPeriod": {"pre": period(last_open - 19800, last_open),
                                 "regular": period(last_open, last_open + 23400),
                                 "post": period(last_open + 23400, last_open + 37800)},
        "dataGranularity": "1d", "range": "", "validRanges": YAHOO_RANGES,
    }
    chosen = []
    for r in rows:
        ts = market_open(datetime.date.fromisoformat(r["date"]))
        if period1 <= ts < period2:
            chosen.append((ts, r))
    result = {"meta": meta}
    if chosen:
        result["timestamp"] = [ts for ts, _ in chosen]
        quote = {name: [number(r[name]) for _, r in chosen]
                 for name in ("open", "high", "low", "close")}
        quote["volume"] = [number(r["volume"], integer=True) for _, r in chosen]
        # Yahoo's key order: open, low, high, volume, close.
        result["indicators"] = {
            "quote": [{k: quote[k] for k in ("open", "low", "high", "volume", "close")}],
            "adjclose": [{"adjclose": [number(r["adj_close"]) for _, r in chosen]}],
        }
    else:
        result["indicators"] = {"quote": [{}], "adjclose": [{}]}
    return json_reply(200, {"chart": {"result": [result], "error": None}})


# ---------------------------------------------------------------------------------------------
# World Bank v2

def worldbank_xml(header):
    return Reply(200, '<?xml version="1.0" encoding="utf-8"?>\n'
                      '<wb:data page="%s" pages="%s" per_page="%s" total="%s" '
                      'xmlns:wb="http://www.worldbank.org" />\n'
                 % (header["page"], header["pages"], header["per_page"], header["total"]),
                 "application/xml; charset=utf-8")


def worldbank_indicator(fixtures, codes, indicator, query):
    path = os.path.join(fixtures, "worldbank", indicator + ".csv")
    if "/" in indicator or not os.path.isfile(path):
        return json_reply(200, WORLDBANK_INVALID)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    wanted = [c.strip().upper() for c in codes.split(";") if c.strip()]
    if not wanted:
        return json_reply(200, WORLDBANK_INVALID)
    if wanted != ["ALL"]:
        known = {r["country_iso2"].upper() for r in rows} | {r["country_iso3"].upper()
                                                             for r in rows}
        if any(c not in known for c in wanted):
            return json_reply(200, WORLDBANK_INVALID)
        rows = [r for r in rows if r["country_iso2"].upper() in wanted
                or r["country_iso3"].upper() in wanted]
    date = query.get("date")
    if date:
        m = re.match(r"^(\d{4})(?::(\d{4}))?$", date)
        if not m:
            return json_reply(200, WORLDBANK_INVALID)
        lo, hi = m.group(1), m.group(2) or m.group(1)
        rows = [r for r in rows if lo <= r["date"] <= hi]
    try:
        per_page = int(query.get("per_page", "50"))
        page = int(query.get("page", "1"))
    except ValueError:
        return json_reply(200, WORLDBANK_INVALID)
    if per_page < 1 or page < 1:
        return json_reply(200, WORLDBANK_INVALID)
    rows.sort(key=lambda r: r["date"], reverse=True)
    rows.sort(key=lambda r: r["country_name"])
    total = len(rows)
    pages = math.ceil(total / per_page)
    header = {"page": page, "pages": pages, "per_page": per_page, "total": total,
              "sourceid": "2" if total else None,
              "lastupdated": WORLDBANK_LASTUPDATED if total else None}
    if query.get("format", "xml").lower() != "json":
        return worldbank_xml(header)
    chunk = rows[(page - 1) * per_page: page * per_page]
    if not chunk:
        return json_reply(200, [header, None])
    name = WORLDBANK_NAMES.get(indicator, indicator)
    data = [{"indicator": {"id": indicator, "value": name},
             "country": {"id": r["country_iso2"], "value": r["country_name"]},
             "countryiso3code": r["country_iso3"], "date": r["date"],
             "value": number(r["value"]), "unit": "", "obs_status": "", "decimal": 1}
            for r in chunk]
    return json_reply(200, [header, data])


# ---------------------------------------------------------------------------------------------
# Fault script

class Script:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    @staticmethod
    def parse(obj):
        if isinstance(obj, dict):
            obj = obj.get("rules")
        if not isinstance(obj, list):
            raise ValueError("a fault script is a JSON list of rules (or {\"rules\": [...]})")
        rules = []
        for i, rule in enumerate(obj):
            if not isinstance(rule, dict) or not isinstance(rule.get("responses"), list):
                raise ValueError(f"rule {i}: needs a \"responses\" list")
            match = rule.get("match", {})
            if not isinstance(match, dict) or not isinstance(match.get("query", {}), dict):
                raise ValueError(f"rule {i}: \"match\" must be an object, its \"query\" too")
            queue = []
            for j, resp in enumerate(rule["responses"]):
                if not isinstance(resp, dict):
                    raise ValueError(f"rule {i} response {j}: must be an object")
                times = resp.get("times", 1)
                if not isinstance(times, int) or times < 1:
                    raise ValueError(f"rule {i} response {j}: \"times\" must be an integer >= 1")
                queue.append([resp, times])
            rules.append({"match": match, "queue": queue})
        return rules

    def replace(self, obj):
        rules = self.parse(obj)
        with self.lock:
            self.rules = rules
        return len(rules)

    def take(self, path, query):
        with self.lock:
            for rule in self.rules:
                if not rule["queue"] or not self.matches(rule["match"], path, query):
                    continue
                head = rule["queue"][0]
                head[1] -= 1
                if head[1] == 0:
                    rule["queue"].pop(0)
                return head[0]
        return None

    @staticmethod
    def matches(match, path, query):
        if not path.startswith(match.get("path_prefix", "")):
            return False
        for k, v in match.get("query", {}).items():
            if query.get(k) != str(v):
                return False
        return True

    def state(self):
        with self.lock:
            return [{"match": r["match"],
                     "left": [dict(resp, times=n) for resp, n in r["queue"]]}
                    for r in self.rules]


# ---------------------------------------------------------------------------------------------
# HTTP

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake_services/1.0"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("fake_services: " + (fmt % args) + "\n")

    # -- plumbing --------------------------------------------------------------------------
    def parse(self):
        parts = urlsplit(self.path)
        raw = parse_qs(parts.query, keep_blank_values=True)
        query = {k: (v[0] if len(v) == 1 else v) for k, v in raw.items()}
        single = {k: v[-1] for k, v in raw.items()}
        return unquote(parts.path), query, single

    def send(self, reply, extra_headers=None, truncate=False):
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        headers = dict(reply.headers)
        headers.update(extra_headers or {})
        for k, v in headers.items():
            self.send_header(k, str(v))
        if truncate:
            self.send_header("Connection", "close")
        self.end_headers()
        if truncate:
            self.wfile.write(reply.body[:len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        else:
            self.wfile.write(reply.body)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # -- routing -----------------------------------------------------------------------------
    def route(self, path, query):
        fixtures = self.server.fixtures
        if path == "/fred/series/observations":
            return fred_observations(fixtures, query, self.server.today())
        m = re.match(r"^/v8/finance/chart/([^/]+)$", path)
        if m:
            return yahoo_chart(fixtures, m.group(1).upper(), query)
        m = re.match(r"^/v2/countr(?:y|ies)/([^/]+)/indicators?/([^/]+)$", path)
        if m:
            return worldbank_indicator(fixtures, m.group(1), m.group(2), query)
        return Reply(404, f"fake_services: no endpoint {path}\n", "text/plain; charset=UTF-8")

    def fault_reply(self, path, fault):
        status = fault.get("status", 200)
        if "body" in fault or "content_type" in fault:
            body = fault.get("body", "")
            if not isinstance(body, str):
                body = json.dumps(body)
            return Reply(status, body, fault.get("content_type", "text/plain; charset=UTF-8"))
        if path.startswith("/fred/") and status >= 400:
            return fred_error(FRED_REASONS.get(status, "Error"), status)
        reason = self.responses.get(status, ("Error",))[0]
        return Reply(status, f"<html><head><title>{status} {reason}</title></head><body>"
                             f"<h1>{status} {reason}</h1></body></html>\n", HTML_TYPE)

    def do_GET(self):
        path, query, single = self.parse()
        if path == "/__log":
            with self.server.log_lock:
                return self.send(json_reply(200, self.server.log))
        if path == "/__script":
            return self.send(json_reply(200, self.server.script.state()))
        fault = self.server.script.take(path, single)
        entry = {"method": "GET", "path": path, "query": query, "time": time.time(),
                 "fault": fault}
        self.server.record(entry)

        if fault is None:
            return self.send(self.route(path, single))
        if "delay" in fault:
            time.sleep(float(fault["delay"]))
        headers = fault.get("headers", {})
        if fault.get("reset"):
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        normal = self.route(path, single)
        if fault.get("truncated"):
            return self.send(normal, headers, truncate=True)
        if fault.get("malformed"):
            body = normal.body[:len(normal.body) // 2] or b"{"
            return self.send(Reply(fault.get("status", 200), body, JSON_TYPE), headers)
        if any(k in fault for k in ("status", "body", "content_type")):
            return self.send(self.fault_reply(path, fault), headers)
        return self.send(normal, headers)  # pass, delay, headers only

    def do_POST(self):
        path, query, single = self.parse()
        body = self.read_body()
        if path == "/v1/chat/completions":
            return self.chat(path, query, single, body)
        if path != "/__script":
            return self.send(Reply(404, f"fake_services: no endpoint POST {path}\n",
                                   "text/plain; charset=UTF-8"))
        try:
            count = self.server.script.replace(json.loads(body.decode("utf-8") or "[]"))
        except ValueError as e:
            return self.send(json_reply(400, {"error": str(e)}))
        return self.send(json_reply(200, {"rules": count}))

    def chat(self, path, query, single, body):
        """A stub of an OpenAI-compatible chat endpoint (for the narratives' optional rewrite):
        answers "Rewritten: " + the last user message; faults from the script as for GET."""
        fault = self.server.script.take(path, single)
        self.server.record({"method": "POST", "path": path, "query": query, "time": time.time(), "fault": fault,
                            "authorization": self.headers.get("Authorization", "")})
        if fault and "delay" in fault:
            time.sleep(float(fault["delay"]))
        if fault and any(k in fault for k in ("status", "body", "content_type")):
            return self.send(self.fault_reply(path, fault), fault.get("headers", {}))
        try:
            request = json.loads(body.decode("utf-8"))
            user = [m["content"] for m in request["messages"] if m.get("role") == "user"][-1]
        except (ValueError, KeyError, IndexError, TypeError):
            return self.send(json_reply(400, {"error": {"message": "bad chat request", "type": "invalid_request_error"}}))
        return self.send(json_reply(200, {"id": "chatcmpl-fake", "object": "chat.completion", "model": request.get("model", ""),
                                          "choices": [{"index": 0, "finish_reason": "stop",
                                                       "message": {"role": "assistant", "content": "Rewritten: " + user}}]}))

    def do_DELETE(self):
        path, _, _ = self.parse()
        if path != "/__log":
            return self.send(Reply(404, f"fake_services: no endpoint DELETE {path}\n",
                                   "text/plain; charset=UTF-8"))
        with self.server.log_lock:
            self.server.log.clear()
        return self.send(json_reply(200, {"cleared": True}))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, fixtures, script, log_path, today, verbose):
        super().__init__(("127.0.0.1", port), Handler)
        self.fixtures = fixtures
        self.script = script
        self.log_path = log_path
        self.fixed_today = today
        self.verbose = verbose
        self.log = []
        self.log_lock = threading.Lock()

    def today(self):
        return self.fixed_today or datetime.date.today().isoformat()

    def record(self, entry):
        with self.log_lock:
            self.log.append(entry)
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry) + "\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_fixtures = os.path.join(os.path.dirname(os.path.dirname(here)),
                                    "tests", "data", "live")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0, help="0 (default): pick a free port")
    p.add_argument("--fixtures", default=default_fixtures,
                   help="fixture directory (default: tests/data/live of this repository)")
    p.add_argument("--script", help="JSON fault script to start with")
    p.add_argument("--log", help="append one JSON line per request to this file")
    p.add_argument("--today", help="FRED's 'today' (YYYY-MM-DD); default: the real date")
    p.add_argument("--verbose", action="store_true", help="log requests on stderr")
    args = p.parse_args()

    if args.today and not valid_date(args.today):
        p.error(f"--today: not a date: {args.today}")
    fixtures = os.path.abspath(args.fixtures)
    if not os.path.isdir(fixtures):
        p.error(f"--fixtures: no directory {fixtures}")
    script = Script()
    if args.script:
        try:
            with open(args.script, encoding="utf-8") as f:
                script.replace(json.load(f))
        except (OSError, ValueError) as e:
            p.error(f"--script {args.script}: {e}")

    server = Server(args.port, fixtures, script, args.log, args.today, args.verbose)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
