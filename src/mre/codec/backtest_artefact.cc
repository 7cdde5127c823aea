// The backtest artefact kind and its encodings (backtest_artefact.h).
#include "mre/codec/backtest_artefact.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "mre/core/error.h"
#include "mre/core/format.h"

namespace mre::codec {

using store::ArtefactTable;
using store::Cell;
using store::ColumnType;

const store::ArtefactKind& backtest_kind() {
  static const store::ArtefactKind kind{
      "backtest",
      {
          {"metrics",
           {{"strategy", ColumnType::kText, true},
            {"metric", ColumnType::kText, true},
            {"value", ColumnType::kReal}}},
          {"yearly",
           {{"strategy", ColumnType::kText, true},
            {"year", ColumnType::kInteger, true},
            {"ret", ColumnType::kReal}}},
          {"daily",
           {{"strategy", ColumnType::kText, true},
            {"date", ColumnType::kDate, true},
            {"ret", ColumnType::kReal},
            {"equity", ColumnType::kReal},
            {"drawdown", ColumnType::kReal},
            {"exposure", ColumnType::kReal},
            {"turnover", ColumnType::kReal},
            {"regime", ColumnType::kText}}},
          {"selection",
           {{"strategy", ColumnType::kText, true},
            {"date", ColumnType::kDate, true},
            {"candidate", ColumnType::kText, true},
            {"sharpe", ColumnType::kReal},
            {"chosen", ColumnType::kInteger}}},
          {"strategies", {{"strategy", ColumnType::kText, true}, {"kind", ColumnType::kText}}},
      }};
  return kind;
}

const std::vector<std::string>& backtest_metric_names() {
  static const std::vector<std::string> names{
      "annual_return", "volatility", "sharpe",           "sortino",      "max_drawdown",
      "calmar",        "turnover",   "average_exposure", "total_return", "days"};
  return names;
}

double metric_value(const backtest::Metrics& m, const std::string& name) {
  if (name == "annual_return") return m.annual_return;
  if (name == "volatility") return m.volatility;
  if (name == "sharpe") return m.sharpe;
  if (name == "sortino") return m.sortino;
  if (name == "max_drawdown") return m.max_drawdown;
  if (name == "calmar") return m.calmar;
  if (name == "turnover") return m.turnover;
  if (name == "average_exposure") return m.average_exposure;
  if (name == "total_return") return m.total_return;
  if (name == "days") return static_cast<double>(m.days);
  throw Error(ErrorCode::kDataError, "backtest: unknown metric '" + name + "'");
}

namespace {

void set_metric(backtest::Metrics& m, const std::string& name, double v) {
  if (name == "annual_return")
    m.annual_return = v;
  else if (name == "volatility")
    m.volatility = v;
  else if (name == "sharpe")
    m.sharpe = v;
  else if (name == "sortino")
    m.sortino = v;
  else if (name == "max_drawdown")
    m.max_drawdown = v;
  else if (name == "calmar")
    m.calmar = v;
  else if (name == "turnover")
    m.turnover = v;
  else if (name == "average_exposure")
    m.average_exposure = v;
  else if (name == "total_return")
    m.total_return = v;
  else if (name == "days")
    m.days = static_cast<std::size_t>(v);
  else
    throw Error(ErrorCode::kDataError, "backtest: unknown metric '" + name + "'");
}

template <typename T>
const T& get(const store::Row& row, std::size_t i, const std::string& table) {
  if (i >= row.size() || !std::holds_alternative<T>(row[i])) {
    throw Error(ErrorCode::kDataError,
                "backtest: a row of table '" + table + "' has the wrong shape");
  }
  return std::get<T>(row[i]);
}

double real(const store::Row& row, std::size_t i, const std::string& table) {
  if (i < row.size() && std::holds_alternative<std::monostate>(row[i])) return std::nan("");
  return get<double>(row, i, table);
}

nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

std::vector<ArtefactTable> encode_backtest(const backtest::BacktestResult& result) {
  ArtefactTable strategies{"strategies", {}}, metrics{"metrics", {}}, yearly{"yearly", {}},
      daily{"daily", {}}, selection{"selection", {}};
  for (const auto& s : result.strategies) {
    strategies.rows.push_back({s.name, s.kind});
    for (const auto& name : backtest_metric_names())
      metrics.rows.push_back({s.name, name, metric_value(s.metrics, name)});
    for (const auto& y : s.metrics.years)
      yearly.rows.push_back({s.name, static_cast<std::int64_t>(y.year), y.value});
    for (const auto& d : s.days) {
      daily.rows.push_back(
          {s.name, d.date, d.ret, d.equity, d.drawdown, d.exposure, d.turnover, d.regime});
    }
    for (const auto& c : s.selection) {
      selection.rows.push_back(
          {s.name, c.date, c.candidate, c.sharpe, static_cast<std::int64_t>(c.chosen ? 1 : 0)});
    }
  }
  return {strategies, metrics, yearly, daily, selection};
}

backtest::BacktestResult decode_backtest(const std::vector<ArtefactTable>& tables) {
  backtest::BacktestResult out;
  std::map<std::string, std::size_t> index;
  auto strategy = [&](const std::string& name) -> backtest::StrategyResult& {
    auto it = index.find(name);
    if (it == index.end()) {
      it = index.emplace(name, out.strategies.size()).first;
      out.strategies.push_back({});
      out.strategies.back().name = name;
    }
    return out.strategies[it->second];
  };
  for (const auto& name : {"strategies", "metrics", "yearly", "daily", "selection"}) {
    for (const auto& t : tables) {
      if (t.name != name) continue;
      for (const auto& row : t.rows) {
        auto& s = strategy(get<std::string>(row, 0, t.name));
        if (t.name == "strategies") {
          s.kind = get<std::string>(row, 1, t.name);
        } else if (t.name == "metrics") {
          set_metric(s.metrics, get<std::string>(row, 1, t.name), real(row, 2, t.name));
        } else if (t.name == "yearly") {
          s.metrics.years.push_back(
              {static_cast<int>(get<std::int64_t>(row, 1, t.name)), real(row, 2, t.name)});
        } else if (t.name == "daily") {
          s.days.push_back({get<Date>(row, 1, t.name), real(row, 2, t.name), real(row, 3, t.name),
                            real(row, 4, t.name), real(row, 5, t.name), real(row, 6, t.name),
                            get<std::string>(row, 7, t.name)});
        } else {
          s.selection.push_back({get<Date>(row, 1, t.name), get<std::string>(row, 2, t.name),
                                 real(row, 3, t.name), get<std::int64_t>(row, 4, t.name) != 0});
        }
      }
    }
  }
  return out;
}

std::string backtest_to_json(const store::ArtefactHeader& header,
                             const backtest::BacktestResult& result, bool with_days) {
  return backtest_document(header, result, with_days).dump(2) + "\n";
}

nlohmann::ordered_json backtest_document(const store::ArtefactHeader& header,
                                         const backtest::BacktestResult& result, bool with_days) {
  nlohmann::ordered_json j;
  j["version"] = header.version;
  j["spec_name"] = header.spec_name;
  j["spec_hash"] = header.spec_hash;
  j["inputs"] = header.inputs;
  j["created_at"] = header.created_at.iso();
  j["strategies"] = nlohmann::json::array();
  for (const auto& s : result.strategies) {
    nlohmann::ordered_json js;
    js["name"] = s.name;
    js["kind"] = s.kind;
    nlohmann::ordered_json m;
    for (const auto& name : backtest_metric_names())
      m[name] = number(metric_value(s.metrics, name));
    js["metrics"] = m;
    nlohmann::ordered_json years;
    for (const auto& y : s.metrics.years) years[std::to_string(y.year)] = number(y.value);
    js["years"] = years;
    if (with_days) {
      nlohmann::json days = nlohmann::json::array();
      for (const auto& d : s.days) {
        days.push_back({{"date", d.date.iso()},
                        {"ret", number(d.ret)},
                        {"equity", number(d.equity)},
                        {"drawdown", number(d.drawdown)},
                        {"exposure", number(d.exposure)},
                        {"turnover", number(d.turnover)},
                        {"regime", d.regime}});
      }
      js["days"] = days;
      nlohmann::json sel = nlohmann::json::array();
      for (const auto& c : s.selection) {
        sel.push_back({{"date", c.date.iso()},
                       {"candidate", c.candidate},
                       {"sharpe", number(c.sharpe)},
                       {"chosen", c.chosen}});
      }
      js["selection"] = sel;
    }
    j["strategies"].push_back(js);
  }
  return j;
}

std::string backtest_to_csv(const backtest::BacktestResult& result, bool days) {
  std::ostringstream out;
  auto num = [](double v) { return std::isfinite(v) ? format_double(v) : std::string(); };
  if (days) {
    out << "strategy,date,ret,equity,drawdown,exposure,turnover,regime\n";
    for (const auto& s : result.strategies) {
      for (const auto& d : s.days) {
        out << s.name << ',' << d.date.iso() << ',' << num(d.ret) << ',' << num(d.equity) << ','
            << num(d.drawdown) << ',' << num(d.exposure) << ',' << num(d.turnover) << ','
            << d.regime << '\n';
      }
    }
    return out.str();
  }
  out << "strategy,metric,value\n";
  for (const auto& s : result.strategies) {
    for (const auto& name : backtest_metric_names())
      out << s.name << ',' << name << ',' << num(metric_value(s.metrics, name)) << '\n';
    for (const auto& y : s.metrics.years)
      out << s.name << ",year_" << y.year << ',' << num(y.value) << '\n';
  }
  return out.str();
}

}  // namespace mre::codec
