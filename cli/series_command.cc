// `mre series list|show|ingests`: what the store holds, now or as known at an earlier time.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <iostream>
#include <span>

#include "cli/commands.h"
#include "mre/codec/series_json.h"
#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/store/store.h"
#include "mre/workflows/freshness.h"

namespace mre::cli {
namespace {

struct SeriesArgs {
  CommonOptions common;
  std::string format = "table";
  std::string ticker;
  std::string from;
  std::string to;
  std::string as_of;
  bool revisions = false;
};

// A last stored date after tomorrow (UTC; one day for exchanges ahead of UTC) cannot be real: a
// corrupt ingest stored it (issue 26), and incremental live ingests of it fetch nothing.
bool in_future(Date last) { return last.days_since_epoch() > std::time(nullptr) / 86400 + 1; }

void warn_future(std::span<const store::SeriesSummary> list) {
  for (const auto& s : list) {
    if (in_future(s.last)) {
      say("warning: " + s.ticker + ": the last stored date " + s.last.iso() +
          " is in the future (a corrupt ingest?); live ingests of it fail until it is fixed "
          "(marked '!' in the table, last_in_future in CSV)");
    }
  }
}

int list_series(const SeriesArgs& args) {
  check_format(args.format);
  auto store = store::open_store(args.common.db, false);
  const auto list = store->list_series();
  warn_future(list);
  if (args.format != "table") {  // csv and json: the same columns
    Listing out{.columns = {"ticker", "asset_class", "source", "observations", "rows", "first",
                            "last", "last_ingested_at", "last_in_future"}};
    for (const auto& s : list) {
      out.rows.push_back({s.ticker, std::string(asset_class_name(s.asset_class)), s.source,
                          std::to_string(s.observations), std::to_string(s.rows), s.first.iso(),
                          s.last.iso(), s.last_ingested_at.iso(),
                          in_future(s.last) ? "true" : "false"});
    }
    print_listing(out, args.format);
    return 0;
  }
  Listing table{.columns = {"ticker", "class", "obs", "rows", "first", "last", "source"}};
  for (const auto& s : list) {
    table.rows.push_back({s.ticker, std::string(asset_class_name(s.asset_class)),
                          std::to_string(s.observations), std::to_string(s.rows), s.first.iso(),
                          s.last.iso() + (in_future(s.last) ? "!" : ""), s.source});
  }
  print_listing(table, "table");
  if (list.empty()) say("the store is empty; run 'mre ingest' first");
  return 0;
}

int show_series(const SeriesArgs& args) {
  auto store = store::open_store(args.common.db, false);
  store::RawQuery query;
  query.ticker = args.ticker;
  query.from = parse_date_option(args.from, "--from");
  query.to = parse_date_option(args.to, "--to");
  if (!args.as_of.empty()) {
    query.as_of = Timestamp::parse(args.as_of);
    if (!query.as_of) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--as-of: cannot parse '" + args.as_of +
                      "' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.ffffff]Z)");
    }
  }
  if (query.from && query.to && *query.to < *query.from) {
    throw Error(ErrorCode::kInvalidArgument, "--to is before --from");
  }
  if (args.revisions) {
    if (!store->read_raw(query)) {
      throw Error(ErrorCode::kNotFound, "no series '" + args.ticker + "' in " + store->describe());
    }
    const auto rows = store->read_revisions(query);
    if (args.format == "json") {
      std::cout << codec::revisions_to_json(args.ticker, rows) << "\n";
    } else {
      std::cout << "date,value,ingested_at\n";
      for (const auto& r : rows) {
        std::cout << r.date.iso() << ',' << format_double(r.value) << ',' << r.ingested_at.iso()
                  << "\n";
      }
    }
    return 0;
  }
  const auto series = store->read_raw(query);
  if (!series) {
    throw Error(ErrorCode::kNotFound, "no series '" + args.ticker + "' in " + store->describe() +
                                          " (see 'mre series list')");
  }
  if (args.format == "json") {
    std::cout << codec::series_to_json(*series, query.as_of) << "\n";
    return 0;
  }
  std::string out = "date,value\n";
  out.reserve(series->size() * 20);
  for (std::size_t i = 0; i < series->size(); ++i) {
    out += series->dates()[i].iso();
    out += ',';
    out += format_double(series->values()[i]);
    out += '\n';
  }
  std::cout << out;
  return 0;
}

int list_ingests(const SeriesArgs& args) {
  check_format(args.format);
  auto store = store::open_store(args.common.db, false);
  Listing out{.columns = {"ingested_at", "series", "inserted", "revised"}};
  for (const auto& r : store->list_ingests()) {
    out.rows.push_back({r.ingested_at.iso(), std::to_string(r.series), std::to_string(r.inserted),
                        std::to_string(r.revised)});
  }
  print_listing(out, args.format);
  return 0;
}

// Issue 22: every stored series' last date, age and status by the universe's staleness rule.
int list_freshness(const SeriesArgs& args) {
  check_format(args.format);
  auto store = store::open_store(args.common.db, false);
  const Date as_of = args.as_of.empty() ? workflows::today_utc()
                                        : workflows::parse_as_of_day(args.as_of, "--as-of");
  Listing out{.columns = {"ticker", "asset_class", "frequency", "last", "age_days",
                          "allowance_days", "status"}};
  std::size_t stale = 0;
  for (const auto& s : workflows::series_freshness(*store, args.common.universe, as_of)) {
    const std::string status = s.ended          ? "ended " + s.ended->iso()
                               : !s.in_universe ? "not in universe"
                               : s.stale        ? "stale"
                                                : "fresh";
    stale += s.stale ? 1 : 0;
    out.rows.push_back({s.ticker, s.asset_class, s.frequency, s.last.iso(),
                        std::to_string(s.age_days),
                        s.in_universe ? std::to_string(s.allowance_days) : "", status});
  }
  print_listing(out, args.format);
  say(
      fmt::format("{} of {} series stale on {} (older than one period + publication lag + grace; "
                  "config/universe.yml)",
                  stale, out.rows.size(), as_of.iso()));
  return 0;
}

}  // namespace

void register_series(CLI::App& app, Action& action) {
  auto* series = app.add_subcommand("series", "Inspect the raw series in the store");
  series->require_subcommand(1);

  auto list_args = std::make_shared<SeriesArgs>();
  auto* list = series->add_subcommand(
      "list",
      "One line per stored series: ticker, asset class, observations, stored rows "
      "(revisions included), date range, and the source of the newest ingest that changed it\n"
      "(a series refreshed live after the bundled snapshot shows fred:ID, yahoo:ID, ...; its "
      "older\n"
      "rows are still the snapshot's)");
  add_common_options(*list, list_args->common);
  add_format_option(*list, list_args->format);
  list->callback(
      [list_args, &action] { action = [list_args] { return list_series(*list_args); }; });

  auto show_args = std::make_shared<SeriesArgs>();
  show_args->format = "csv";
  auto* show = series->add_subcommand(
      "show",
      "Print one series (date,value) on stdout: the current values, or with --as-of the values\n"
      "as the store knew them at that time (revisions made later are ignored).\n"
      "Examples:\n"
      "  mre series show DGS10 --from 2020-01-01\n"
      "  mre series show CPIAUCSL --as-of 2026-11-01T12:00:00Z --format json\n"
      "  mre series show CPIAUCSL --revisions       # every stored row with its ingest time");
  add_common_options(*show, show_args->common);
  show->add_option("ticker", show_args->ticker, "The ticker (see 'mre series list')")->required();
  show->add_option("--from", show_args->from, "First date, YYYY-MM-DD (inclusive)");
  show->add_option("--to", show_args->to, "Last date, YYYY-MM-DD (inclusive)");
  show->add_option("--as-of", show_args->as_of,
                   "Ingest time: YYYY-MM-DDTHH:MM:SS[.ffffff]Z, or a date meaning the end of that "
                   "UTC day. Times are listed by 'mre series ingests'");
  show->add_option("--format", show_args->format, "csv | json")
      ->check(CLI::IsMember({"csv", "json"}))
      ->capture_default_str();
  show->add_flag("--revisions", show_args->revisions,
                 "Every stored row (date,value,ingested_at), revisions included");
  show->callback(
      [show_args, &action] { action = [show_args] { return show_series(*show_args); }; });

  auto ingests_args = std::make_shared<SeriesArgs>();
  auto* ingests = series->add_subcommand(
      "ingests",
      "Every ingest that changed the store (CSV: ingested_at,series,inserted,revised); "
      "use a time from here with 'series show --as-of'");
  add_common_options(*ingests, ingests_args->common);
  ingests_args->format = "csv";
  add_format_option(*ingests, ingests_args->format);
  ingests->callback(
      [ingests_args, &action] { action = [ingests_args] { return list_ingests(*ingests_args); }; });

  auto fresh_args = std::make_shared<SeriesArgs>();
  auto* fresh = series->add_subcommand(
      "freshness",
      "Every stored series' last date, age in days and status by the one staleness rule: stale "
      "when\n"
      "older than one period of its frequency plus its publication lag plus its grace\n"
      "(stale_grace_days in config/universe.yml, default 3); ended series are never stale.\n"
      "Example:\n"
      "  mre series freshness --format csv");
  add_common_options(*fresh, fresh_args->common);
  fresh->add_option("--as-of", fresh_args->as_of,
                    "The day ages are counted to, YYYY-MM-DD (default: today, UTC)");
  add_format_option(*fresh, fresh_args->format);
  fresh->callback(
      [fresh_args, &action] { action = [fresh_args] { return list_freshness(*fresh_args); }; });
}

}  // namespace mre::cli
