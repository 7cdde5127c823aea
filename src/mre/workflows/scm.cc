// See scm.h.
#include "mre/workflows/scm.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "mre/causal/event_study.h"
#include "mre/codec/scm_json.h"
#include "mre/core/calendar.h"
#include "mre/core/error.h"
#include "mre/core/resample.h"
#include "mre/narrative/result_narratives.h"
#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/scm/bootstrap.h"
#include "mre/scm/front_contract.h"
#include "mre/scm/regime_dependent.h"
#include "mre/scm/shock_regimes.h"
#include "mre/sources/universe.h"
#include "mre/store/revisions.h"
#include "mre/workflows/build_features.h"
#include "mre/workflows/detail/yaml_file.h"
#include "mre/workflows/feature_spec.h"
#include "mre/workflows/quantgan.h"

namespace mre::workflows {

using detail::fail;
using detail::only_keys;
using detail::scalar;

namespace {

std::string number(double v) {
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

std::string canonical(const ScmSpec& s) {
  std::ostringstream out;
  out << "name=" << s.name << "\n";
  out << "start=" << (s.start ? s.start->iso() : "") << "\nend=" << (s.end ? s.end->iso() : "")
      << "\n";
  out << "hac_lag=" << s.hac_lag << "\nregimes=" << s.regimes << "\nregime_seed=" << s.regime_seed
      << "\n";
  out << "terminal=" << store::join_names(s.graph.terminal) << "\n";
  for (std::size_t i = 0; i < s.graph.nodes.size(); ++i) {
    const auto& d = s.data[i];
    out << "node=" << d.node;
    bool identity = false;
    for (const auto& id : s.graph.identities) {
      if (id.node == d.node) {
        out << " identity=" << store::join_names(id.terms);
        identity = true;
      }
    }
    for (const auto& e : s.graph.equations) {
      if (e.node == d.node)
        out << " parents=" << store::join_names(e.parents) << " own_lag=" << e.own_lag;
    }
    if (!identity) {
      out << " series=" << d.series << " minus=" << d.minus << " offset=" << number(d.offset)
          << " factor=" << number(d.factor) << " as_published=" << d.as_published
          << " change=" << (d.change == scm::Transform::kLogReturn ? "log_return" : "diff");
      if (!d.roll_open.empty())
        out << " roll_open=" << d.roll_open << " roll_max_missing=" << d.roll_max_missing;
    }
    out << "\n";
  }
  for (const auto& e : s.added_edges)
    out << "added_edge=" << e.from << "->" << e.to << " justification=" << e.justification << "\n";
  // Written only when set, so the hash of a spec without them is what it was before they existed.
  if (s.regime_dependent) out << "regime_dependent=1 regime_version=" << s.regime_version << "\n";
  if (!s.identified_shock_node.empty())
    out << "identified_shock=" << s.identified_shock_node << " series=" << s.identified_shock_series
        << "\n";
  // mean_block and the scenarios do not change the fitted model: not part of the hash.
  return out.str();
}

}  // namespace

void check_identified_node(const scm::Graph& graph, const std::string& node) {
  const bool equation = std::any_of(graph.equations.begin(), graph.equations.end(),
                                    [&](const auto& e) { return e.node == node; });
  if (!equation) {
    throw Error(
        ErrorCode::kInvalidArgument, "identified_shock: node '" + node +
                                         "' is not a node with an equation (nodes with one: " +
                                         [&] {
                                           std::vector<std::string> names;
                                           for (const auto& e : graph.equations)
                                             names.push_back(e.node);
                                           return store::join_names(names);
                                         }() +
                                         ")");
  }
}

void finish_spec(ScmSpec& spec) {
  spec.canonical_text = canonical(spec);
  spec.hash = fnv1a_hex(spec.canonical_text);
}

std::filesystem::path default_scm_spec_path() {
  return sources::default_universe_path().parent_path() / "scm" / "policy_transmission.yml";
}

ScmSpec load_scm_spec(const std::filesystem::path& path) try {
  const YAML::Node root = detail::load_yaml_mapping(path, "scm spec");
  only_keys(path, root,
            {"name", "description", "start", "end", "terminal", "nodes", "hac_lag", "shocks",
             "scenarios", "added_edges", "regime_dependent", "regime_version", "identified_shock"},
            "");
  ScmSpec spec;
  if (!root["name"]) fail(path, root, "missing field 'name'");
  spec.name = scalar<std::string>(path, root["name"], "name");
  if (root["description"])
    spec.description = scalar<std::string>(path, root["description"], "description");
  const auto date = [&](const char* key) -> std::optional<Date> {
    if (!root[key] || root[key].IsNull()) return std::nullopt;
    const auto d = Date::parse(scalar<std::string>(path, root[key], key));
    if (!d) fail(path, root[key], std::string("'") + key + "' must be a date YYYY-MM-DD");
    return d;
  };
  spec.start = date("start");
  spec.end = date("end");
  if (root["hac_lag"]) spec.hac_lag = scalar<int>(path, root["hac_lag"], "hac_lag");
  if (root["terminal"])
    spec.graph.terminal = scalar<std::vector<std::string>>(path, root["terminal"], "terminal");
  if (!root["nodes"] || !root["nodes"].IsSequence() || root["nodes"].size() == 0) {
    fail(path, root, "'nodes' must be a non-empty list");
  }
  for (const auto& n : root["nodes"]) {
    if (!n.IsMap()) fail(path, n, "each node must be a mapping");
    if (!n["node"]) fail(path, n, "a node without 'node' (its name)");
    ScmNodeData d;
    d.node = scalar<std::string>(path, n["node"], "node");
    only_keys(path, n,
              {"node", "description", "series", "minus", "level", "as_published", "change",
               "parents", "own_lag", "identity", "roll"},
              "node '" + d.node + "': ");
    if (n["description"])
      d.description = scalar<std::string>(path, n["description"], "description");
    spec.graph.nodes.push_back(d.node);
    if (n["identity"]) {
      if (n["series"] || n["parents"])
        fail(path, n, "node '" + d.node + "': an identity has no 'series' or 'parents'");
      spec.graph.identities.push_back(
          {d.node, scalar<std::vector<std::string>>(path, n["identity"], "identity")});
    } else {
      if (!n["series"]) fail(path, n, "node '" + d.node + "': needs 'series' (or 'identity')");
      d.series = scalar<std::string>(path, n["series"], "series");
      if (n["minus"]) d.minus = scalar<std::string>(path, n["minus"], "minus");
      if (n["level"]) {
        only_keys(path, n["level"], {"offset", "factor"}, "node '" + d.node + "' level: ");
        if (n["level"]["offset"]) d.offset = scalar<double>(path, n["level"]["offset"], "offset");
        if (n["level"]["factor"]) d.factor = scalar<double>(path, n["level"]["factor"], "factor");
      }
      if (n["as_published"]) d.as_published = scalar<bool>(path, n["as_published"], "as_published");
      if (const auto& r = n["roll"]) {
        only_keys(path, r, {"open", "max_missing_business_days"}, "node '" + d.node + "' roll: ");
        if (!r["open"])
          fail(path, r,
               "node '" + d.node +
                   "' roll: needs 'open' (the ticker of the contract's opening prices)");
        d.roll_open = scalar<std::string>(path, r["open"], "open");
        if (r["max_missing_business_days"])
          d.roll_max_missing =
              scalar<int>(path, r["max_missing_business_days"], "max_missing_business_days");
        if (d.roll_max_missing < 0)
          fail(path, r["max_missing_business_days"],
               "node '" + d.node + "' roll: 'max_missing_business_days' must be >= 0");
        if (!d.minus.empty())
          fail(path, r, "node '" + d.node + "' roll: a spliced contract cannot have 'minus'");
      }
      const std::string change =
          n["change"] ? scalar<std::string>(path, n["change"], "change") : "diff";
      if (change != "diff" && change != "log_return")
        fail(path, n["change"], "node '" + d.node + "': 'change' must be diff or log_return");
      d.change = change == "log_return" ? scm::Transform::kLogReturn : scm::Transform::kDiff;
      scm::Equation e{.node = d.node};
      if (n["parents"]) e.parents = scalar<std::vector<std::string>>(path, n["parents"], "parents");
      if (n["own_lag"]) e.own_lag = scalar<bool>(path, n["own_lag"], "own_lag");
      spec.graph.equations.push_back(e);
    }
    spec.data.push_back(d);
  }
  try {
    scm::validate(spec.graph);
  } catch (const Error& e) {
    fail(path, root["nodes"], e.what());
  }
  if (const auto& added = root["added_edges"]) {
    if (!added.IsSequence())
      fail(path, added, "'added_edges' must be a list of {from, to, justification}");
    for (const auto& a : added) {
      only_keys(path, a, {"from", "to", "justification"}, "added_edges: ");
      if (!a["from"] || !a["to"] || !a["justification"])
        fail(path, a, "added_edges: each needs 'from', 'to' and 'justification'");
      ScmSpec::AddedEdge e{
          .from = scalar<std::string>(path, a["from"], "from"),
          .to = scalar<std::string>(path, a["to"], "to"),
          .justification = scalar<std::string>(path, a["justification"], "justification")};
      const std::string name = "added edge " + e.from + " -> " + e.to;
      if (e.justification.empty()) fail(path, a, name + ": an empty 'justification'");
      if (std::find(spec.graph.nodes.begin(), spec.graph.nodes.end(), e.from) ==
          spec.graph.nodes.end())
        fail(path, a, name + ": unknown node '" + e.from + "'");
      const auto eq = std::find_if(spec.graph.equations.begin(), spec.graph.equations.end(),
                                   [&](const auto& q) { return q.node == e.to; });
      if (eq == spec.graph.equations.end())
        fail(path, a, name + ": '" + e.to + "' is not a node with an equation");
      if (std::find(eq->parents.begin(), eq->parents.end(), e.from) != eq->parents.end())
        fail(path, a, name + ": already an edge of the graph");
      eq->parents.push_back(e.from);
      try {
        scm::validate(spec.graph);
      } catch (const Error& err) {
        fail(path, a, name + " is refused: " + err.what());
      }
      spec.added_edges.push_back(e);
    }
  }
  for (const auto& id : spec.graph.identities) {
    for (const auto& t : id.terms) {
      const auto& d = spec.data[static_cast<std::size_t>(scm::node_index(spec.graph, t))];
      if (d.change != scm::Transform::kDiff) {
        fail(path, root["nodes"],
             "identity '" + id.node + "': term '" + t +
                 "' must be a diff node (changes add, log returns do not)");
      }
    }
  }
  if (root["regime_dependent"])
    spec.regime_dependent = scalar<bool>(path, root["regime_dependent"], "regime_dependent");
  if (root["regime_version"])
    spec.regime_version = scalar<std::string>(path, root["regime_version"], "regime_version");
  if (spec.regime_dependent && spec.regime_version.empty()) {
    fail(path, root["regime_dependent"],
         "'regime_dependent: true' needs 'regime_version' (a stored regime version: mre regimes "
         "list)");
  }
  if (!spec.regime_dependent && !spec.regime_version.empty()) {
    fail(path, root["regime_version"],
         "'regime_version' is only read with 'regime_dependent: true'");
  }
  if (const auto& is = root["identified_shock"]) {
    only_keys(path, is, {"node", "series"}, "identified_shock: ");
    if (!is["node"] || !is["series"])
      fail(path, is, "identified_shock: needs 'node' (e.g. Re) and 'series' (e.g. MP1_JK)");
    spec.identified_shock_node = scalar<std::string>(path, is["node"], "node");
    spec.identified_shock_series = scalar<std::string>(path, is["series"], "series");
    try {
      check_identified_node(spec.graph, spec.identified_shock_node);
    } catch (const Error& e) {
      fail(path, is, e.what());
    }
  }
  if (const auto& s = root["shocks"]) {
    only_keys(path, s, {"regimes", "regime_seed", "mean_block"}, "shocks: ");
    if (s["regimes"])
      spec.regimes = detail::count_in_range(path, s["regimes"], "regimes", regimes::hmm::kMinStates,
                                            regimes::hmm::kMaxStates);
    if (spec.regimes < 2) fail(path, s["regimes"], "shocks: 'regimes' must be at least 2");
    if (s["regime_seed"])
      spec.regime_seed = scalar<std::uint64_t>(path, s["regime_seed"], "regime_seed");
    if (s["mean_block"]) spec.mean_block = scalar<double>(path, s["mean_block"], "mean_block");
    if (!(spec.mean_block >= 1.0))
      fail(path, s["mean_block"], "shocks: 'mean_block' must be at least 1 day");
  }
  if (const auto& sc = root["scenarios"]) {
    if (!sc.IsNull()) detail::require_sequence(path, sc, "scenarios");
    for (const auto& n : sc) {
      only_keys(path, n, {"name", "description", "do"}, "scenarios: ");
      ScmScenarioSpec s;
      if (!n["name"] || !n["do"]) fail(path, n, "scenarios: each needs 'name' and 'do'");
      s.name = scalar<std::string>(path, n["name"], "name");
      if (n["description"])
        s.description = scalar<std::string>(path, n["description"], "description");
      s.interventions = scalar<std::vector<std::string>>(path, n["do"], "do");
      for (const auto& d : s.interventions) {
        try {
          const auto expr = parse_do(d);
          scm::node_index(spec.graph, expr.node);
        } catch (const Error& e) {
          fail(path, n["do"], "scenario '" + s.name + "': " + e.what());
        }
      }
      spec.scenarios.push_back(s);
    }
  }
  finish_spec(spec);
  return spec;
} catch (const YAML::Exception& e) {
  // A node used as the wrong kind where no check above caught it: still a named input error.
  detail::rethrow_yaml_error(path, e, "scm spec");
}

DoExpression parse_do(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return Error(
        ErrorCode::kInvalidArgument,
        "--do \"" + text + "\": " + why +
            " (expected NODE=+X, NODE=-X or NODE=X, optionally @FROM..TO, @FROM.. or @DAY)");
  };
  DoExpression d;
  d.text = text;
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw bad("no 'NODE='");
  d.node = text.substr(0, eq);
  if (d.node.find_first_of(" \t@") != std::string::npos)
    throw bad("bad node name '" + d.node + "'");
  const auto at = text.find('@', eq);
  const std::string value =
      text.substr(eq + 1, at == std::string::npos ? std::string::npos : at - eq - 1);
  if (value.empty()) throw bad("no value after '='");
  d.shift = value[0] == '+' || value[0] == '-';
  std::size_t used = 0;
  try {
    d.value = std::stod(value, &used);
  } catch (const std::exception&) {
    throw bad("'" + value + "' is not a number");
  }
  if (used != value.size() || !std::isfinite(d.value)) throw bad("'" + value + "' is not a number");
  if (at != std::string::npos) {
    const std::string range = text.substr(at + 1);
    const auto dots = range.find("..");
    const auto date = [&](const std::string& token) {
      const auto parsed = Date::parse(token);
      if (!parsed) throw bad("'" + token + "' is not a date YYYY-MM-DD");
      return *parsed;
    };
    if (dots == std::string::npos) {
      d.from = d.to = date(range);
    } else {
      d.from = date(range.substr(0, dots));
      if (dots + 2 < range.size()) d.to = date(range.substr(dots + 2));
      if (d.to && *d.to < *d.from) throw bad("the range ends before it starts");
    }
  }
  return d;
}

namespace {

// The regime version's probabilities on the SCM's dates: each date takes the version's newest row
// on or before it (as of the date: no later information), which must be at most the version's
// largest gap between rows old. DataError naming the version and the uncovered dates otherwise.
// Regimes whose probabilities add up to fewer than kMinRegimeDays over the dates are set aside
// (too few days to estimate ten equations) and the others' probabilities renormalised.
constexpr double kMinRegimeDays = 60.0;

scm::FittedScm::RegimeTransmission regime_probabilities(const store::Store& store,
                                                        const std::string& version,
                                                        const std::vector<Date>& dates,
                                                        std::vector<std::string>& dropped) {
  const auto model = store.find_regime_model(version);
  if (!model)
    throw Error(ErrorCode::kNotFound, "scm regime_version '" + version +
                                          "': no such regime version (see 'mre regimes list')");
  const auto rows = store.read_regimes(version, std::nullopt, std::nullopt);
  const auto k = static_cast<Eigen::Index>(model->labels.size());
  if (rows.size() < 2 || k < 2) {
    throw Error(ErrorCode::kDataError, "scm regime_version '" + version +
                                           "': needs at least two dates and two regimes (has " +
                                           std::to_string(rows.size()) + " dates, " +
                                           std::to_string(k) + " regimes)");
  }
  int max_gap = 1;
  for (std::size_t i = 1; i < rows.size(); ++i)
    max_gap = std::max(max_gap, rows[i].date - rows[i - 1].date);
  Matrix p = Matrix::Zero(static_cast<Eigen::Index>(dates.size()), k);
  std::size_t next = 0;
  std::optional<Date> first_uncovered, last_uncovered;
  int uncovered = 0;
  for (std::size_t t = 0; t < dates.size(); ++t) {
    while (next < rows.size() && rows[next].date <= dates[t]) ++next;
    const bool covered = next > 0 && dates[t] - rows[next - 1].date <= max_gap &&
                         static_cast<Eigen::Index>(rows[next - 1].probabilities.size()) == k;
    double total = 0;
    if (covered) {
      for (Eigen::Index j = 0; j < k; ++j) {
        const double v = rows[next - 1].probabilities[static_cast<std::size_t>(j)];
        p(static_cast<Eigen::Index>(t), j) = std::isfinite(v) && v > 0 ? v : 0.0;
        total += p(static_cast<Eigen::Index>(t), j);
      }
    }
    if (!covered || !(total > 0)) {
      if (!first_uncovered) first_uncovered = dates[t];
      last_uncovered = dates[t];
      ++uncovered;
      continue;
    }
    p.row(static_cast<Eigen::Index>(t)) /= total;
  }
  if (uncovered > 0) {
    throw Error(
        ErrorCode::kDataError,
        "scm regime_version '" + version + "' does not cover the SCM's dates: it has regimes for " +
            rows.front().date.iso() + ".." + rows.back().date.iso() + " (rows at most " +
            std::to_string(max_gap) + " days apart), the SCM's data run " + dates.front().iso() +
            ".." + dates.back().iso() + "; " + std::to_string(uncovered) + " of its days (" +
            first_uncovered->iso() + ".." + last_uncovered->iso() +
            ") have no regime as of their date (set the spec's start:/end: inside the version's "
            "dates, or use a version that covers them)");
  }
  scm::FittedScm::RegimeTransmission out;
  out.version = version;
  std::vector<Eigen::Index> keep;
  for (Eigen::Index j = 0; j < k; ++j) {
    if (p.col(j).tail(p.rows() - 1).sum() >= kMinRegimeDays) {
      keep.push_back(j);
      out.labels.push_back(model->labels[static_cast<std::size_t>(j)]);
    } else {
      dropped.push_back(model->labels[static_cast<std::size_t>(j)]);
    }
  }
  if (keep.size() < 2) {
    throw Error(ErrorCode::kDataError, "scm regime_version '" + version +
                                           "': fewer than two of its regimes have " +
                                           std::to_string(static_cast<int>(kMinRegimeDays)) +
                                           " days of probability in the SCM's dates");
  }
  out.probabilities.resize(p.rows(), static_cast<Eigen::Index>(keep.size()));
  for (std::size_t j = 0; j < keep.size(); ++j)
    out.probabilities.col(static_cast<Eigen::Index>(j)) = p.col(keep[j]);
  for (Eigen::Index t = 0; t < p.rows(); ++t) {
    const double total = out.probabilities.row(t).sum();
    if (total > 0) {
      out.probabilities.row(t) /= total;
    } else {
      out.probabilities.row(t).setConstant(
          1.0 / static_cast<double>(keep.size()));  // only set-aside regimes that day
    }
  }
  out.path = scm::most_likely_path(out.probabilities);
  out.transition = scm::transition_from_path(out.path, static_cast<int>(keep.size()));
  return out;
}

// The surprise of each announcement inside the dates, on the first SCM date on or after it (a
// weekend announcement moves the next trading day); two on one row add up.
scm::FittedScm::IdentifiedShock identified_shock(const std::string& node, const std::string& series,
                                                 const TimeSeries& surprises,
                                                 const std::vector<Date>& dates) {
  scm::FittedScm::IdentifiedShock out{.node = node, .series = series};
  for (std::size_t i = 0; i < surprises.size(); ++i) {
    const double v = surprises.values()[i];
    const Date d = surprises.dates()[i];
    if (!std::isfinite(v) || d <= dates.front() || d > dates.back()) continue;
    const auto row =
        static_cast<int>(std::lower_bound(dates.begin(), dates.end(), d) - dates.begin());
    if (!out.rows.empty() && out.rows.back() == row) {
      out.surprise.back() += v;
    } else {
      out.rows.push_back(row);
      out.surprise.push_back(v);
    }
  }
  if (out.rows.empty()) {
    throw Error(ErrorCode::kDataError, "scm identified_shock: series '" + series +
                                           "' has no surprise inside the SCM's dates (" +
                                           dates.front().iso() + ".." + dates.back().iso() + ")");
  }
  return out;
}

}  // namespace

ScmFitReport fit_scm(store::Store& store, const ScmFitOptions& options) {
  ScmSpec spec =
      load_scm_spec(options.spec_path.empty() ? default_scm_spec_path() : options.spec_path);
  if (!options.regime_version.empty()) {
    spec.regime_dependent = true;
    spec.regime_version = options.regime_version;
  }
  if (!options.identified_shock.empty()) {
    const auto eq = options.identified_shock.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == options.identified_shock.size()) {
      throw Error(ErrorCode::kInvalidArgument, "--identified-shock \"" + options.identified_shock +
                                                   "\": expected NODE=SERIES (e.g. Re=MP1_JK)");
    }
    spec.identified_shock_node = options.identified_shock.substr(0, eq);
    spec.identified_shock_series = options.identified_shock.substr(eq + 1);
    check_identified_node(spec.graph, spec.identified_shock_node);
  }
  finish_spec(spec);
  const auto universe = sources::load_universe(
      options.universe_path.empty() ? sources::default_universe_path() : options.universe_path);
  std::map<std::string, Timestamp> last_ingest;
  for (const auto& s : store.list_series()) last_ingest[s.ticker] = s.last_ingested_at;
  Timestamp watermark = Timestamp::from_micros(0);
  std::map<std::string, TimeSeries> raw;
  const auto read = [&](const std::string& ticker, const std::string& node) {
    if (raw.count(ticker)) return;
    if (!universe.find(ticker)) {
      throw Error(ErrorCode::kNotFound, "scm node '" + node + "': unknown ticker '" + ticker +
                                            "' (not in " + universe.path.string() + ")");
    }
    auto series = store.read_raw({.ticker = ticker});
    if (!series || series->count_present() == 0) {
      throw Error(ErrorCode::kDataError, "scm node '" + node + "': ticker '" + ticker +
                                             "' has no data in " + store.describe() +
                                             " (run 'mre ingest')");
    }
    watermark = std::max(watermark, last_ingest[ticker]);
    raw[ticker] = std::move(*series);
  };
  if (!spec.identified_shock_series.empty())
    read(spec.identified_shock_series, "identified_shock " + spec.identified_shock_node);
  Date first = spec.start.value_or(Date::from_ymd(1900, 1, 1));
  Date last = spec.end.value_or(Date::from_ymd(2100, 1, 1));
  for (const auto& d : spec.data) {
    if (d.series.empty()) continue;
    for (const auto* t : {&d.series, &d.minus}) {
      if (t->empty()) continue;
      read(*t, d.node);
      first = std::max(first, raw[*t].dates().front());
      last = std::min(last, raw[*t].dates().back());
    }
    if (!d.roll_open.empty()) {
      // The node reads the spliced contract: the days with both an open and a close.
      read(d.roll_open, d.node);
      const auto& close_series = raw[d.series];
      const auto& open_series = raw[d.roll_open];
      std::map<Date, double> opens;
      for (std::size_t i = 0; i < open_series.size(); ++i) {
        if (std::isfinite(open_series.values()[i]))
          opens[open_series.dates()[i]] = open_series.values()[i];
      }
      std::vector<Date> days;
      std::vector<double> open, close;
      for (std::size_t i = 0; i < close_series.size(); ++i) {
        const auto it = opens.find(close_series.dates()[i]);
        if (it == opens.end() || !std::isfinite(close_series.values()[i])) continue;
        days.push_back(it->first);
        open.push_back(it->second);
        close.push_back(close_series.values()[i]);
      }
      const auto spliced = scm::splice_front_contract(
          days, open, close, settlement_calendar(),
          {.max_missing_business_days = d.roll_max_missing,
           .name = "scm node '" + d.node + "': " + d.series + " (open " + d.roll_open + ")"});
      raw[d.series + "|spliced"] = TimeSeries(d.series, spliced.dates, spliced.price);
    }
  }
  if (!(first < last))
    throw Error(ErrorCode::kDataError, "scm: the mapped series have no common period");
  const std::vector<Date> grid = period_grid(first, last, Frequency::kDaily, settlement_calendar());
  const auto n = static_cast<Eigen::Index>(spec.graph.nodes.size());
  Matrix level(static_cast<Eigen::Index>(grid.size()), n);
  level.setConstant(std::numeric_limits<double>::quiet_NaN());
  const auto aligned = [&](const std::string& ticker, bool as_published, const std::string& key) {
    const auto* meta = universe.find(ticker);
    const int lag = as_published ? meta->publication_lag_days : 0;
    return align_asof_values(raw[key], grid, lag, lag + max_gap_days(meta->frequency));
  };
  for (Eigen::Index j = 0; j < n; ++j) {
    const auto& d = spec.data[static_cast<std::size_t>(j)];
    if (d.series.empty()) continue;
    const auto a =
        aligned(d.series, d.as_published, d.roll_open.empty() ? d.series : d.series + "|spliced");
    const auto b = d.minus.empty() ? std::vector<double>(grid.size(), 0.0)
                                   : aligned(d.minus, d.as_published, d.minus);
    for (std::size_t t = 0; t < grid.size(); ++t)
      level(static_cast<Eigen::Index>(t), j) = d.offset + d.factor * (a[t] - b[t]);
  }
  // Rows where every mapped node has a level (and return nodes a positive one).
  std::vector<Eigen::Index> keep;
  for (Eigen::Index t = 0; t < level.rows(); ++t) {
    bool ok = true;
    for (Eigen::Index j = 0; j < n && ok; ++j) {
      const auto& d = spec.data[static_cast<std::size_t>(j)];
      if (d.series.empty()) continue;
      ok = std::isfinite(level(t, j)) && (d.change == scm::Transform::kDiff || level(t, j) > 0);
    }
    if (ok) keep.push_back(t);
  }
  if (keep.size() < 100)
    throw Error(ErrorCode::kDataError,
                "scm: fewer than 100 business days where every node has data");
  scm::FittedScm model;
  model.fitted.graph = spec.graph;
  model.levels.transform.resize(static_cast<std::size_t>(n));
  model.levels.start = RowVector::Zero(n);
  const auto rows = static_cast<Eigen::Index>(keep.size());
  model.changes = Matrix::Zero(rows, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const auto& d = spec.data[static_cast<std::size_t>(j)];
    model.levels.transform[static_cast<std::size_t>(j)] = d.change;
    std::ostringstream m;
    if (d.series.empty()) {
      for (const auto& id : spec.graph.identities) {
        if (id.node == d.node) m << "identity: " << d.node << " = " << store::join_names(id.terms);
      }
    } else {
      if (d.offset != 0 || d.factor != 1)
        m << number(d.offset) << " + " << number(d.factor) << " * ";
      m << d.series;
      if (!d.minus.empty()) m << " - " << d.minus;
      if (!d.roll_open.empty())
        m << " spliced at its monthly contract rolls (roll day: close - open " << d.roll_open
          << ")";
      m << (d.as_published ? " as published" : "") << ", "
        << (d.change == scm::Transform::kDiff ? "daily change" : "daily log return");
    }
    model.mapping.push_back(m.str());
    if (d.series.empty()) continue;
    model.levels.start(j) = level(keep[0], j);
    for (Eigen::Index t = 1; t < rows; ++t) {
      const double a = level(keep[static_cast<std::size_t>(t - 1)], j);
      const double b = level(keep[static_cast<std::size_t>(t)], j);
      model.changes(t, j) = d.change == scm::Transform::kDiff ? b - a : std::log(b / a);
    }
  }
  // Identity nodes from their terms' changes, so the identity holds exactly in the data.
  for (const auto& id : spec.graph.identities) {
    const int j = scm::node_index(spec.graph, id.node);
    for (const auto& term : id.terms) {
      const int k = scm::node_index(spec.graph, term);
      model.changes.col(j) += model.changes.col(k);
      model.levels.start(j) += model.levels.start(k);
    }
  }
  for (const auto t : keep) model.dates.push_back(grid[static_cast<std::size_t>(t)]);
  std::vector<std::string> dropped_regimes;
  if (spec.regime_dependent)
    model.regime_dependent =
        regime_probabilities(store, spec.regime_version, model.dates, dropped_regimes);
  if (!spec.identified_shock_node.empty()) {
    model.identified = identified_shock(spec.identified_shock_node, spec.identified_shock_series,
                                        raw[spec.identified_shock_series], model.dates);
  }

  store::ScmModel stored;
  stored.spec_name = spec.name;
  stored.spec_hash = spec.hash;
  stored.spec_text = spec.canonical_text;
  stored.data_watermark = watermark.iso();
  stored.version =
      options.version == "auto"
          ? "S_" + spec.name + "_" + fnv1a_hex(spec.hash + stored.data_watermark).substr(0, 8)
          : options.version;
  store::validate_version_tag(stored.version);
  if (const auto existing = store.find_scm_model(stored.version)) {
    store::same_scm_model(*existing, stored);
    return {
        .version = stored.version,
        .written = false,
        .model = codec::scm_model_from_json(existing->model_json, "scm version " + stored.version)};
  }

  model.fitted = scm::fit(spec.graph, model.changes, spec.hac_lag);
  if (model.regime_dependent) {
    auto& rt = *model.regime_dependent;
    rt.fits =
        scm::fit_by_regime(spec.graph, model.changes, rt.probabilities, rt.labels, spec.hac_lag);
    rt.dropped = dropped_regimes;
  }
  const Matrix u = scm::abduct(model.fitted, model.changes);
  const auto e_count = static_cast<Eigen::Index>(spec.graph.equations.size());
  Matrix shocks(rows - 1, e_count);
  for (Eigen::Index e = 0; e < e_count; ++e) {
    shocks.col(e) =
        u.col(scm::node_index(spec.graph, spec.graph.equations[static_cast<std::size_t>(e)].node))
            .tail(rows - 1);
  }
  // Regimes of the shocks (scm/shock_regimes.h); row 0 has no shock and takes row 1's regime.
  const auto shock_regimes =
      scm::fit_shock_regimes(shocks, {.regimes = spec.regimes, .seed = spec.regime_seed});
  model.regime.assign(static_cast<std::size_t>(rows), 0);
  for (Eigen::Index t = 1; t < rows; ++t)
    model.regime[static_cast<std::size_t>(t)] = shock_regimes.path[static_cast<std::size_t>(t - 1)];
  model.regime[0] = model.regime[1];
  model.transition = shock_regimes.transition;
  model.regime_names = shock_regimes.names;
  model.copula = scm::fit_t_copula(shocks);
  for (const auto& e : spec.added_edges)
    model.added_edges.push_back(e.from + " -> " + e.to + ": " + e.justification);
  {
    const auto check = scm::check_graph(model.fitted, model.changes);
    for (const auto& t : check.implications) {
      if (t.rejected)
        model.rejected.push_back(t.node + " _||_ " + t.other + " | " + store::join_names(t.given));
    }
    for (const auto& t : check.residual_correlations) {
      if (t.rejected)
        model.rejected.push_back("residuals of " + t.node + " and " + t.other + " uncorrelated");
    }
  }

  stored.model_json = codec::scm_model_to_json(model);
  stored.first = model.dates.front();
  stored.last = model.dates.back();
  stored.created_at = Timestamp::now();
  const bool written = store.write_scm_model(stored) == store::FeatureWriteOutcome::kWritten;
  return {.version = stored.version, .written = written, .model = std::move(model)};
}

scm::FittedScm load_scm(const store::Store& store, const std::string& version) {
  const auto m = store.find_scm_model(version);
  if (!m)
    throw Error(ErrorCode::kNotFound, "no scm version '" + version + "' (see 'mre scm list')");
  return codec::scm_model_from_json(m->model_json, "scm version " + version);
}

std::string newest_scm_version(const store::Store& store) {
  const auto all = store.list_scm_models();
  if (all.empty())
    throw Error(ErrorCode::kNotFound,
                "no scm version in " + store.describe() + " (run 'mre scm fit')");
  return all.back().version;
}

namespace {

void check_node(const scm::FittedScm& m, const DoExpression& d) {
  const auto& g = m.fitted.graph;
  if (std::find(g.nodes.begin(), g.nodes.end(), d.node) == g.nodes.end()) {
    throw Error(ErrorCode::kInvalidArgument, "--do \"" + d.text + "\": unknown node '" + d.node +
                                                 "' (nodes: " + store::join_names(g.nodes) + ")");
  }
  for (const auto& id : g.identities) {
    if (id.node == d.node) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--do \"" + d.text + "\": '" + d.node + "' is the identity " + d.node + " = " +
                      store::join_names(id.terms) + "; intervene on one of its terms");
    }
  }
}

}  // namespace

std::string describe(const ScmUncertainty& u) {
  std::ostringstream out;
  out << "residual block bootstrap of the fit: " << u.bootstrap.replicates
      << " replicates, blocks of " << u.bootstrap.block_length << " days, seed "
      << u.bootstrap.seed;
  return out.str();
}

namespace {

// Each node's effect on rows `window_end` and the last: cf - factual (change node) or
// cf / factual - 1 (log-return node), from the levels.
Vector node_effects(const Matrix& lf, const Matrix& lc, const scm::Levels& levels,
                    Eigen::Index window_end) {
  const auto n = lf.cols();
  Vector v(2 * n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const bool log = levels.transform[static_cast<std::size_t>(j)] == scm::Transform::kLogReturn;
    for (int k = 0; k < 2; ++k) {
      const Eigen::Index t = k == 0 ? window_end : lf.rows() - 1;
      v(k * n + j) = log ? lc(t, j) / lf(t, j) - 1.0 : lc(t, j) - lf(t, j);
    }
  }
  return v;
}

// The counterfactual under each regime's coefficients throughout and along the observed path:
// 2N values per world (node_effects), worlds in regime order then the observed path.
Vector regime_worlds(const std::vector<scm::Fitted>& fits, const std::vector<int>& observed,
                     const Matrix& changes, const std::vector<scm::Intervention>& ivs,
                     const Matrix& lf, const scm::Levels& levels, Eigen::Index last_to) {
  const auto k = fits.size();
  const auto width = 2 * changes.cols();
  Vector v(static_cast<Eigen::Index>(k + 1) * width);
  for (std::size_t w = 0; w <= k; ++w) {
    const std::vector<int> path =
        w < k ? std::vector<int>(observed.size(), static_cast<int>(w)) : observed;
    const Matrix u = scm::abduct(fits, path, changes);
    const Matrix cf = scm::predict(fits, path, changes, u, ivs, levels);
    v.segment(static_cast<Eigen::Index>(w) * width, width) =
        node_effects(lf, scm::to_levels(cf, levels), levels, last_to);
  }
  return v;
}

void regime_effects(const scm::FittedScm& m, const std::vector<scm::Intervention>& ivs,
                    const Matrix& lf, Eigen::Index first_row, Eigen::Index last_to,
                    const ScmUncertainty& uncertainty, CounterfactualResult& r) {
  const auto& rt = *m.regime_dependent;
  const Vector estimate = regime_worlds(rt.fits, rt.path, m.changes, ivs, lf, m.levels, last_to);
  const Matrix draws =
      scm::bootstrap(rt.fits, rt.path, rt.probabilities, m.changes, uncertainty.bootstrap,
                     [&](const std::vector<scm::Fitted>& fits, int) {
                       return regime_worlds(fits, rt.path, m.changes, ivs, lf, m.levels, last_to);
                     });
  r.regime_version = rt.version;
  const auto n = m.changes.cols();
  for (std::size_t w = 0; w <= rt.fits.size(); ++w) {
    CounterfactualResult::RegimeEffect e;
    e.regime = w < rt.fits.size() ? rt.labels[w] : "observed path";
    if (w < rt.fits.size()) {
      e.window_days = 0;
      for (Eigen::Index t = first_row; t <= last_to; ++t)
        e.window_days += rt.path[static_cast<std::size_t>(t)] == static_cast<int>(w);
    }
    const Eigen::Index offset = static_cast<Eigen::Index>(w) * 2 * n;
    for (Eigen::Index j = 0; j < n; ++j) {
      const auto band = [&](Eigen::Index col) {
        const Vector c = draws.col(offset + col);
        return scm::percentile_band(estimate(offset + col),
                                    std::vector<double>(c.data(), c.data() + c.size()));
      };
      const bool log =
          m.levels.transform[static_cast<std::size_t>(j)] == scm::Transform::kLogReturn;
      e.bands.push_back({.node = r.nodes[static_cast<std::size_t>(j)],
                         .unit = log ? "fraction" : "points",
                         .window_end = band(j),
                         .last = band(n + j)});
    }
    r.regime_effects.push_back(std::move(e));
  }
}

}  // namespace

scm::GraphCheck check_scm(const scm::FittedScm& model, double alpha) {
  return scm::check_graph(model.fitted, model.changes, alpha);
}

std::string rejection_warning(const scm::FittedScm& model) {
  if (model.rejected.empty()) return {};
  std::ostringstream out;
  out << "the data reject " << model.rejected.size()
      << " of this graph's testable implications (Holm, 5%; first: " << model.rejected.front()
      << "): effects that run through the rejected parts may be biased; see 'mre scm check'";
  return out.str();
}

CounterfactualResult counterfactual(const scm::FittedScm& m,
                                    const std::vector<DoExpression>& interventions,
                                    const ScmUncertainty& uncertainty) {
  if (interventions.empty())
    throw Error(ErrorCode::kInvalidArgument, "--do: give at least one intervention");
  const auto& dates = m.dates;
  std::vector<scm::Intervention> ivs;
  Eigen::Index first_row = static_cast<Eigen::Index>(dates.size());
  Eigen::Index last_to = 0;
  for (const auto& d : interventions) {
    check_node(m, d);
    const Date from = d.from.value_or(dates[1]);
    const Date to = d.to.value_or(dates.back());
    if (from < dates[1] || from > dates.back() || to > dates.back()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--do \"" + d.text + "\": " + from.iso() + ".." + to.iso() +
                      " is outside the data of this version (" + dates[1].iso() + ".." +
                      dates.back().iso() + ")");
    }
    const auto lo = static_cast<Eigen::Index>(std::lower_bound(dates.begin(), dates.end(), from) -
                                              dates.begin());
    const auto hi = static_cast<Eigen::Index>(std::upper_bound(dates.begin(), dates.end(), to) -
                                              dates.begin()) -
                    1;
    if (hi < lo)
      throw Error(ErrorCode::kInvalidArgument,
                  "--do \"" + d.text + "\": no business day of the data in the range");
    ivs.push_back({.node = d.node, .from = lo, .to = hi, .value = d.value, .shift = d.shift});
    first_row = std::min(first_row, lo);
    last_to = std::max(last_to, hi);
  }
  const Matrix u = scm::abduct(m.fitted, m.changes);
  const Matrix cf = scm::predict(m.fitted, m.changes, u, ivs, m.levels);
  const Matrix lf = scm::to_levels(m.changes, m.levels);
  const Matrix lc = scm::to_levels(cf, m.levels);
  CounterfactualResult r;
  r.nodes = m.fitted.graph.nodes;
  const Eigen::Index count = lf.rows() - first_row;
  r.dates.assign(dates.begin() + first_row, dates.end());
  r.factual = lf.bottomRows(count);
  r.counterfactual = lc.bottomRows(count);
  if (!m.fitted.graph.terminal.empty()) {
    r.terminal = m.fitted.graph.terminal.front();
    const int j = scm::node_index(m.fitted.graph, r.terminal);
    r.terminal_gap = lc(lc.rows() - 1, j) / lf(lf.rows() - 1, j) - 1.0;
    r.terminal_gap_window = lc(last_to, j) / lf(last_to, j) - 1.0;
  }
  r.window_end = dates[static_cast<std::size_t>(last_to)];
  // Parameter uncertainty: the same counterfactual under each bootstrap replicate's coefficients.
  const Vector estimate = node_effects(lf, lc, m.levels, last_to);
  const Matrix draws =
      scm::bootstrap(m.fitted, m.changes, uncertainty.bootstrap, [&](const scm::Fitted& fit, int) {
        const Matrix ub = scm::abduct(fit, m.changes);
        const Matrix cb = scm::predict(fit, m.changes, ub, ivs, m.levels);
        return node_effects(lf, scm::to_levels(cb, m.levels), m.levels, last_to);
      });
  r.uncertainty = describe(uncertainty);
  if (const auto w = rejection_warning(m); !w.empty()) r.warnings.push_back(w);
  const auto n = static_cast<Eigen::Index>(r.nodes.size());
  for (Eigen::Index j = 0; j < n; ++j) {
    const auto band = [&](Eigen::Index col) {
      const Vector c = draws.col(col);
      return scm::percentile_band(estimate(col),
                                  std::vector<double>(c.data(), c.data() + c.size()));
    };
    const bool log = m.levels.transform[static_cast<std::size_t>(j)] == scm::Transform::kLogReturn;
    r.bands.push_back({.node = r.nodes[static_cast<std::size_t>(j)],
                       .unit = log ? "fraction" : "points",
                       .window_end = band(j),
                       .last = band(n + j)});
  }
  if (m.regime_dependent) regime_effects(m, ivs, lf, first_row, last_to, uncertainty, r);
  return r;
}

namespace {

// Per node: the slope of the SCM's same-day response to the announcement-day surprises (the
// counterfactual without them: the node's shock minus the surprise), then the same-day effect of
// do(EFFR + 1) on the first announcement day; in change units (log returns for return nodes).
Vector identified_multipliers(const scm::Fitted& fit, const scm::FittedScm& m,
                              const Vector& surprise) {
  const auto& id = *m.identified;
  const auto n = m.changes.cols();
  const int node = scm::node_index(fit.graph, id.node);
  const Matrix u = scm::abduct(fit, m.changes);
  Matrix removed = u;
  for (std::size_t i = 0; i < id.rows.size(); ++i) removed(id.rows[i], node) -= id.surprise[i];
  // generate(), not predict(): predict keeps a node's factual value where its structural inputs are
  // unchanged (scm.h), and here only the node's own shock changes. Both worlds through generate,
  // so its rounding is common to them.
  const Matrix with = scm::generate(fit, m.changes, u);
  const Matrix without = scm::generate(fit, m.changes, removed);
  Vector out(2 * n);
  for (Eigen::Index j = 0; j < n; ++j) {
    Vector response(static_cast<Eigen::Index>(id.rows.size()));
    for (std::size_t i = 0; i < id.rows.size(); ++i)
      response(static_cast<Eigen::Index>(i)) = with(id.rows[i], j) - without(id.rows[i], j);
    // Least squares through the origin: the response is linear in the surprise (plus the own lags'
    // carry from earlier announcements, weeks before).
    out(j) = surprise.dot(response) / surprise.squaredNorm();
  }
  const Eigen::Index t0 = id.rows.front();
  const Matrix shifted =
      scm::predict(fit, m.changes, u,
                   {{.node = "EFFR", .from = t0, .to = t0, .value = 1.0, .shift = true}}, m.levels);
  // Without the intervention, abduction then prediction gives the data bit for bit (scm.h).
  for (Eigen::Index j = 0; j < n; ++j) out(n + j) = shifted(t0, j) - m.changes(t0, j);
  return out;
}

}  // namespace

IdentifiedShockComparison compare_identified_shocks(const scm::FittedScm& m,
                                                    const ScmUncertainty& uncertainty,
                                                    double size) {
  if (!m.identified) {
    throw Error(ErrorCode::kInvalidArgument,
                "this scm version has no identified policy shock: fit it with 'identified_shock: "
                "{node: Re, "
                "series: MP1_JK}' in the spec or 'mre scm fit --identified-shock Re=MP1_JK'");
  }
  if (std::find(m.fitted.graph.nodes.begin(), m.fitted.graph.nodes.end(), "EFFR") ==
      m.fitted.graph.nodes.end()) {
    throw Error(ErrorCode::kInvalidArgument,
                "identified shocks: the comparison's do(EFFR) needs a node 'EFFR'");
  }
  const auto& id = *m.identified;
  const auto n = m.changes.cols();
  const auto events = static_cast<Eigen::Index>(id.rows.size());
  const Vector surprise = Eigen::Map<const Vector>(id.surprise.data(), events);
  IdentifiedShockComparison c{.node = id.node,
                              .series = id.series,
                              .size = size,
                              .announcements = static_cast<int>(events),
                              .first = m.dates[static_cast<std::size_t>(id.rows.front())],
                              .last = m.dates[static_cast<std::size_t>(id.rows.back())]};
  const int node = scm::node_index(m.fitted.graph, id.node);
  {
    const Matrix u = scm::abduct(m.fitted, m.changes);
    Vector residual(events);
    for (Eigen::Index i = 0; i < events; ++i)
      residual(i) = u(id.rows[static_cast<std::size_t>(i)], node);
    const auto fit = causal::event_study_regression(surprise, residual);
    c.residual_slope = fit.effect;
    c.residual_slope_se = fit.se_hc1;
    const Vector a = surprise.array() - surprise.mean();
    const Vector b = residual.array() - residual.mean();
    c.residual_correlation = a.dot(b) / std::sqrt(a.squaredNorm() * b.squaredNorm());
  }
  const auto multipliers = [&](const scm::Fitted& fit) {
    return identified_multipliers(fit, m, surprise);
  };
  const Vector estimate = multipliers(m.fitted);
  const Matrix draws =
      scm::bootstrap(m.fitted, m.changes, uncertainty.bootstrap,
                     [&](const scm::Fitted& fit, int) { return multipliers(fit); });
  c.uncertainty = describe(uncertainty);
  for (Eigen::Index j = 0; j < n; ++j) {
    const bool log = m.levels.transform[static_cast<std::size_t>(j)] == scm::Transform::kLogReturn;
    const double scale = size * (log ? 100.0 : 1.0);
    const auto band = [&](Eigen::Index col) {
      std::vector<double> v;
      for (Eigen::Index b = 0; b < draws.rows(); ++b) v.push_back(scale * draws(b, col));
      return scm::percentile_band(scale * estimate(col), std::move(v));
    };
    Vector response(events);
    for (Eigen::Index i = 0; i < events; ++i)
      response(i) = m.changes(id.rows[static_cast<std::size_t>(i)], j);
    IdentifiedShockRow row{.node = m.fitted.graph.nodes[static_cast<std::size_t>(j)],
                           .unit = log ? "percent" : "points",
                           .scm_surprise = band(j),
                           .scm_do_effr = band(n + j)};
    if ((response.array() != response(0)).any()) {
      const auto fit = causal::event_study_regression(surprise, response);
      row.event_study = scale * fit.effect;
      row.event_study_se = scale * fit.se_hc1;
      row.event_study_r2 = fit.r2;
    }
    c.rows.push_back(row);
  }
  return c;
}

ScenarioResult run_scenario(store::Store& store, const std::string& version,
                            const scm::FittedScm& m, const ScenarioOptions& options) {
  ScenarioResult r;
  if (options.config.shocks == scm::ShockKind::kQuantGan && !options.quantgan) {
    ScenarioOptions with_generator = options;
    attach_quantgan(store, version, m, with_generator);
    r = compute_scenario(version, m, with_generator);
  } else {
    r = compute_scenario(version, m, options);
  }
  r.written = store.write_scenario(r.run, r.rows) == store::FeatureWriteOutcome::kWritten;
  return r;
}

std::vector<Date> scenario_days(Date start, int horizon) {
  // Business days after the start: day k of the horizon.
  std::vector<Date> days;
  for (Date d = start + 1; static_cast<int>(days.size()) < horizon; d = d + 1) {
    if (settlement_calendar().is_business_day(d)) days.push_back(d);
  }
  return days;
}

ScenarioResult compute_scenario(const std::string& version, const scm::FittedScm& m,
                                const ScenarioOptions& options) {
  const auto& dates = m.dates;
  const Date start = options.start.value_or(dates.back());
  if (start < dates[std::min<std::size_t>(dates.size() - 1, 250)] || start > dates.back()) {
    throw Error(ErrorCode::kInvalidArgument,
                "--start " + start.iso() + " is outside this version's data (" +
                    dates[std::min<std::size_t>(dates.size() - 1, 250)].iso() + ".." +
                    dates.back().iso() + "; a year of history is needed for the shocks)");
  }
  const auto start_row = static_cast<Eigen::Index>(
                             std::upper_bound(dates.begin(), dates.end(), start) - dates.begin()) -
                         1;
  const auto& g = m.fitted.graph;
  const auto cfg = options.config;
  if (cfg.horizon <= 0)
    throw Error(ErrorCode::kInvalidArgument,
                "--horizon must be positive (got " + std::to_string(cfg.horizon) + ")");
  if (cfg.paths <= 0)
    throw Error(ErrorCode::kInvalidArgument,
                "--paths must be positive (got " + std::to_string(cfg.paths) + ")");
  const std::vector<Date> days = scenario_days(start, cfg.horizon);
  std::vector<scm::Intervention> ivs;
  std::string text;
  for (const auto& d : options.interventions) {
    check_node(m, d);
    Eigen::Index from = 1;
    Eigen::Index to = cfg.horizon;
    if (d.from) {
      if (*d.from <= start || *d.from > days.back() || (d.to && *d.to > days.back())) {
        throw Error(ErrorCode::kInvalidArgument,
                    "--do \"" + d.text + "\": dates must fall in the horizon (" +
                        days.front().iso() + ".." + days.back().iso() + ")");
      }
      from = static_cast<Eigen::Index>(std::lower_bound(days.begin(), days.end(), *d.from) -
                                       days.begin()) +
             1;
      if (d.to)
        to = static_cast<Eigen::Index>(std::upper_bound(days.begin(), days.end(), *d.to) -
                                       days.begin());
      if (to < from)
        throw Error(ErrorCode::kInvalidArgument,
                    "--do \"" + d.text + "\": no business day of the horizon in the range");
    }
    ivs.push_back({.node = d.node, .from = from, .to = to, .value = d.value, .shift = d.shift});
    text += (text.empty() ? "" : "; ") + d.text;
  }
  // The shocks up to the start, as the generators' pool.
  const Matrix u = scm::abduct(m.fitted, m.changes);
  const auto e_count = static_cast<Eigen::Index>(g.equations.size());
  scm::ShockPool pool;
  pool.residuals.resize(start_row, e_count);
  for (Eigen::Index e = 0; e < e_count; ++e) {
    pool.residuals.col(e) = u.col(scm::node_index(g, g.equations[static_cast<std::size_t>(e)].node))
                                .segment(1, start_row);
  }
  if (cfg.shocks == scm::ShockKind::kStudentT) pool.copula = scm::fit_t_copula(pool.residuals);
  if (cfg.shocks == scm::ShockKind::kGarch) pool.garch = scm::fit_garch_shocks(pool.residuals);
  if (cfg.shocks == scm::ShockKind::kQuantGan) {
    if (!options.quantgan) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--shocks quantgan: no trained generator attached (train one: mre scm "
                  "generators train --version " +
                      version + ")");
    }
    const RegimeCondition cond = regime_condition(m);
    pool.quantgan = options.quantgan;
    pool.regime.assign(cond.path.begin() + 1, cond.path.begin() + 1 + start_row);
    pool.transition = cond.transition;
    pool.start_regime = cond.path[static_cast<std::size_t>(start_row)];
  }
  if (cfg.shocks == scm::ShockKind::kRegimeBootstrap) {
    pool.regime.assign(m.regime.begin() + 1, m.regime.begin() + 1 + start_row);
    pool.transition = m.transition;
    pool.start_regime = m.regime[static_cast<std::size_t>(start_row)];
  }
  const Matrix levels = scm::to_levels(m.changes.topRows(start_row + 1), m.levels);
  const scm::SimulationStart s{.changes = m.changes.row(start_row),
                               .levels = levels.row(start_row)};
  {
    const auto& unc = options.uncertainty;
    if (unc.paths_per_replicate < 1 || unc.paths_per_replicate > 10'000) {
      throw Error(ErrorCode::kInvalidArgument, "paths per replicate must be 1 to 10000 (got " +
                                                   std::to_string(unc.paths_per_replicate) + ")");
    }
    // The bands keep every replicate's paths: a million at most, as --paths.
    if (static_cast<std::int64_t>(unc.paths_per_replicate) * unc.bootstrap.replicates > 1'000'000) {
      throw Error(ErrorCode::kInvalidArgument,
                  "paths per replicate x bootstrap replicates must be at most 1000000 (got " +
                      std::to_string(unc.paths_per_replicate) + " x " +
                      std::to_string(unc.bootstrap.replicates) + ")");
    }
  }
  const auto sim = scm::simulate(m.fitted, m.levels, s, pool, ivs, cfg);

  ScenarioResult r;
  r.dates = days;
  if (const auto w = rejection_warning(m); !w.empty()) r.warnings.push_back(w);
  // The Quant GAN was trained on all the version's shocks; the other generators draw from the
  // history up to the start only. Said, not refused: it is the one generator of its kind.
  if (cfg.shocks == scm::ShockKind::kQuantGan && start_row + 1 < m.changes.rows()) {
    r.warnings.push_back(
        "--shocks quantgan: the generator" +
        (options.generator_version.empty() ? std::string() : " " + options.generator_version) +
        " was trained on this version's shocks to " + dates.back().iso() + ", after the start " +
        dates[static_cast<std::size_t>(start_row)].iso() +
        ": its draws carry what happened after the start (the other generators draw from the "
        "history up to the start only)");
  }
  r.effects = scm::summarize_effects(sim, g, m.levels);
  // Parameter and shock uncertainty together: each bootstrap replicate's coefficients drive
  // the same `paths_per_replicate` shock paths of the chosen generator (drawn once: paths
  // cfg.paths.. of the run's seed), baseline and intervened worlds propagated by the kernels
  // (generate, then predict with the interventions); the bands are over all of them.
  {
    const auto& unc = options.uncertainty;
    const auto n = static_cast<Eigen::Index>(g.nodes.size());
    std::vector<Matrix> paths;
    for (int p = 0; p < unc.paths_per_replicate; ++p) {
      const Matrix drawn = scm::draw_shocks(m.fitted, pool, cfg,
                                            static_cast<std::uint64_t>(cfg.paths + p), cfg.horizon);
      Matrix shocks = Matrix::Zero(cfg.horizon + 1, n);
      for (Eigen::Index e = 0; e < e_count; ++e) {
        shocks.col(scm::node_index(g, g.equations[static_cast<std::size_t>(e)].node))
            .tail(cfg.horizon) = drawn.col(e);
      }
      paths.push_back(std::move(shocks));
    }
    const scm::Levels at_start{.transform = m.levels.transform, .start = s.levels};
    // The bootstrap is of the version's coefficients, so it resamples the data they were fitted
    // on: every row, not the rows up to the start. (Up to 2026-12-07 it refitted on the rows up
    // to the start, whose estimates are centred elsewhere: a start of 2022-06-01 gave STOCK
    // +0.53 with a 90% band of [+0.64, +2.31], and a regime with few days before the start
    // could not be refitted at all.)
    const Matrix draws =
        scm::bootstrap(m.fitted, m.changes, unc.bootstrap, [&](const scm::Fitted& fit, int) {
          Vector v(unc.paths_per_replicate * n);
          Matrix first = Matrix::Zero(cfg.horizon + 1, n);
          first.row(0) = s.changes;
          for (int p = 0; p < unc.paths_per_replicate; ++p) {
            const Matrix baseline = scm::generate(fit, first, paths[static_cast<std::size_t>(p)]);
            const Matrix intervened =
                scm::predict(fit, baseline, paths[static_cast<std::size_t>(p)], ivs, at_start);
            const Matrix lb = scm::to_levels(baseline, at_start);
            const Matrix li = scm::to_levels(intervened, at_start);
            for (Eigen::Index j = 0; j < n; ++j) {
              const bool log =
                  m.levels.transform[static_cast<std::size_t>(j)] == scm::Transform::kLogReturn;
              v(p * n + j) = log ? 100.0 * (li(cfg.horizon, j) / lb(cfg.horizon, j) - 1.0)
                                 : li(cfg.horizon, j) - lb(cfg.horizon, j);
            }
          }
          return v;
        });
    for (Eigen::Index j = 0; j < n; ++j) {
      std::vector<double> all;
      for (Eigen::Index b = 0; b < draws.rows(); ++b) {
        for (Eigen::Index p = 0; p < unc.paths_per_replicate; ++p)
          all.push_back(draws(b, p * n + j));
      }
      auto& e = r.effects[static_cast<std::size_t>(j)];
      e.banded = true;
      e.band = scm::percentile_band(e.mean, std::move(all));
    }
    if (m.regime_dependent) {
      const auto& rt = *m.regime_dependent;
      const auto k = static_cast<Eigen::Index>(rt.fits.size());
      const int start_regime = rt.path[static_cast<std::size_t>(start_row)];
      // One regime path per shock path, drawn from the transition matrix (streams seeded apart
      // from the shocks': path index offset by paths + paths_per_replicate).
      std::vector<std::vector<int>> drawn;
      for (int p = 0; p < unc.paths_per_replicate; ++p) {
        scm::PathRandom rng(cfg.seed,
                            static_cast<std::uint64_t>(cfg.paths + unc.paths_per_replicate + p));
        drawn.push_back(scm::draw_path(rt.transition, start_regime, cfg.horizon + 1, rng));
      }
      // Values: world w (regime 0..K-1 throughout, then the drawn paths) x path p x node j.
      const auto worlds = [&](const std::vector<scm::Fitted>& fits) {
        Vector v((k + 1) * unc.paths_per_replicate * n);
        Matrix first = Matrix::Zero(cfg.horizon + 1, n);
        first.row(0) = s.changes;
        for (Eigen::Index w = 0; w <= k; ++w) {
          for (int p = 0; p < unc.paths_per_replicate; ++p) {
            const auto& shocks = paths[static_cast<std::size_t>(p)];
            const std::vector<int> path =
                w < k ? std::vector<int>(static_cast<std::size_t>(cfg.horizon + 1),
                                         static_cast<int>(w))
                      : drawn[static_cast<std::size_t>(p)];
            const Matrix baseline = scm::generate(fits, path, first, shocks);
            const Matrix intervened = scm::predict(fits, path, baseline, shocks, ivs, at_start);
            const Matrix lb = scm::to_levels(baseline, at_start);
            const Matrix li = scm::to_levels(intervened, at_start);
            for (Eigen::Index j = 0; j < n; ++j) {
              const bool log =
                  m.levels.transform[static_cast<std::size_t>(j)] == scm::Transform::kLogReturn;
              v((w * unc.paths_per_replicate + p) * n + j) =
                  log ? 100.0 * (li(cfg.horizon, j) / lb(cfg.horizon, j) - 1.0)
                      : li(cfg.horizon, j) - lb(cfg.horizon, j);
            }
          }
        }
        return v;
      };
      const Vector estimate = worlds(rt.fits);
      const Matrix regime_draws =
          scm::bootstrap(rt.fits, rt.path, rt.probabilities, m.changes, unc.bootstrap,
                         [&](const std::vector<scm::Fitted>& fits, int) { return worlds(fits); });
      r.regime_version = rt.version;
      for (Eigen::Index w = 0; w <= k; ++w) {
        ScenarioResult::RegimeEffects re{.regime = w < k ? rt.labels[static_cast<std::size_t>(w)]
                                                         : "drawn paths"};
        for (Eigen::Index j = 0; j < n; ++j) {
          std::vector<double> over_paths, all;
          for (Eigen::Index p = 0; p < unc.paths_per_replicate; ++p) {
            over_paths.push_back(estimate((w * unc.paths_per_replicate + p) * n + j));
            for (Eigen::Index b = 0; b < regime_draws.rows(); ++b)
              all.push_back(regime_draws(b, (w * unc.paths_per_replicate + p) * n + j));
          }
          scm::EffectSummary e{.node = r.effects[static_cast<std::size_t>(j)].node,
                               .unit = r.effects[static_cast<std::size_t>(j)].unit};
          double sum = 0;
          for (const double x : over_paths) sum += x;
          e.mean = sum / static_cast<double>(over_paths.size());
          for (std::size_t q = 0; q < 5; ++q)
            e.quantiles[q] = scm::quantile_in_place(over_paths, scm::kFanQuantiles[q]);
          e.banded = true;
          e.band = scm::percentile_band(e.mean, std::move(all));
          re.effects.push_back(std::move(e));
        }
        r.regime_effects.push_back(std::move(re));
      }
    }
  }
  auto& run = r.run;
  run.scm_version = version;
  run.name = options.name;
  run.interventions = text.empty() ? "none" : text;
  run.shocks = scm::shock_kind_name(cfg.shocks);
  if (cfg.shocks == scm::ShockKind::kQuantGan) run.shocks += ":" + options.generator_version;
  run.start = dates[static_cast<std::size_t>(start_row)];
  run.horizon = cfg.horizon;
  run.paths = cfg.paths;
  run.seed = static_cast<std::int64_t>(cfg.seed);
  std::ostringstream key;
  key << version << "|" << run.interventions << "|" << run.shocks << "|" << run.start.iso() << "|"
      << cfg.horizon << "|" << cfg.paths << "|" << cfg.seed << "|" << number(cfg.mean_block) << "|"
      << describe(options.uncertainty) << "|" << options.uncertainty.paths_per_replicate;
  run.id = "SC-" + fnv1a_hex(key.str()).substr(0, 12);
  run.summary_json = codec::effect_summaries_to_json(r.effects);
  run.created_at = Timestamp::now();
  const auto n = static_cast<std::size_t>(g.nodes.size());
  for (std::size_t sc = 0; sc < 2; ++sc) {
    for (int day = 1; day <= cfg.horizon; ++day) {
      for (std::size_t j = 0; j < n; ++j) {
        const double* q = &sim.fan[sc][((static_cast<std::size_t>(day) - 1) * n + j) * 5];
        r.rows.push_back(
            {day, g.nodes[j], sc == 0 ? "baseline" : "intervened", q[0], q[1], q[2], q[3], q[4]});
      }
    }
  }
  return r;
}

std::string scenario_narrative(const scm::FittedScm& model, const ScenarioResult& r) {
  std::string story;
  const std::string terminal =
      model.fitted.graph.terminal.empty() ? "" : model.fitted.graph.terminal.front();
  for (const auto& e : r.effects) {
    if (e.node != terminal) continue;
    story = narrative::scenario_paragraph({.intervention = r.run.interventions,
                                           .node = e.node,
                                           .unit = e.unit,
                                           .horizon_days = r.run.horizon,
                                           .paths = r.run.paths,
                                           .shocks = r.run.shocks,
                                           .median = e.quantiles[2],
                                           .q05 = e.quantiles[0],
                                           .q95 = e.quantiles[4]});
  }
  return story;
}

}  // namespace mre::workflows
