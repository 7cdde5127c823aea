// The effects spec (config/effects.yml): parsed with every range checked, and its canonical
// text (the hash an effects version is bound to) written and read back. See effects.h.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <sstream>

#include "mre/causal/learners.h"
#include "mre/core/error.h"
#include "mre/store/revisions.h"
#include "mre/workflows/detail/effects_canonical.h"
#include "mre/workflows/detail/yaml_file.h"
#include "mre/workflows/effects.h"
#include "mre/workflows/feature_spec.h"

namespace mre::workflows {
namespace detail {

std::string effects_canonical(const EffectsSpec& s) {
  std::ostringstream out;
  out << "name=" << s.name << "\nfeature_set=" << s.feature_set << "\nregimes=" << s.regimes
      << "\ntreatments=" << store::join_names(s.treatments) << "\noutcomes=";
  for (const auto& [name, o] : s.outcomes)
    out << name << ":" << o.feature << ":" << (o.change ? "change" : "return") << ";";
  out << "\nhorizons=";
  for (int h : s.horizons) out << h << ";";
  out << "\ncontrols=" << store::join_names(s.controls) << "\nlags=";
  for (int l : s.lags) out << l << ";";
  out << "\nlearner=" << s.learner << "\nfolds=" << s.folds
      << "\nse=" << causal::standard_error_name(s.se) << "\n";
  if (s.learner == "auto") out << "learners=" << store::join_names(s.learners) << "\n";
  if (!s.event_outcomes.empty()) {
    out << "event_outcomes=";
    for (const auto& [name, o] : s.event_outcomes)
      out << name << ":" << o.ticker << ":" << (o.change ? "change" : "return") << ";";
    out << "\n";
  }
  out << "irf_horizons=";
  for (int h : s.irf_horizons) out << h << ";";
  out << "\nirf_lags=" << s.irf_lags << "\nirf_se=" << s.irf_se << "\n";
  return out.str();
}

}  // namespace detail

namespace {

using detail::fail;
using detail::only_keys;
using detail::scalar;

}  // namespace

EffectsSpec load_effects_spec(const std::filesystem::path& path) try {
  const YAML::Node root = detail::load_yaml_mapping(path, "effects spec");
  only_keys(path, root,
            {"name", "description", "feature_set", "regimes", "treatments", "outcomes", "horizons",
             "controls", "lags", "learner", "learners", "folds", "se", "event_outcomes", "irf"},
            "");
  // Every range in one place (issue 26): the error names the file, line, key and value.
  const auto int_in = [&](const YAML::Node& node, const std::string& key, int low, int high) {
    if (!node.IsScalar()) fail(path, node, "'" + key + "' must be a whole number");
    const std::string text = node.Scalar();
    long long value = 0;
    std::size_t used = 0;
    try {
      value = std::stoll(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size())
      fail(path, node, "'" + key + "' must be a whole number (got '" + text + "')");
    if (value < low || value > high) {
      fail(path, node,
           "'" + key + "' must be in [" + std::to_string(low) + ", " + std::to_string(high) +
               "] (got " + text + ")");
    }
    return static_cast<int>(value);
  };
  const auto int_list = [&](const YAML::Node& node, const std::string& key, int low, int high) {
    if (!node.IsSequence() || node.size() == 0)
      fail(path, node, "'" + key + "' must be a non-empty list of whole numbers");
    std::vector<int> out;
    for (const auto& item : node) {
      out.push_back(int_in(item, key, low, high));
      if (std::find(out.begin(), out.end() - 1, out.back()) != out.end() - 1)
        fail(path, item, "'" + key + "' lists " + item.Scalar() + " twice");
    }
    return out;
  };
  // A list whose cells are keyed by its names (treatments, controls, learners): a name twice
  // would estimate a cell twice and fail only at the store's unique key, after the work.
  const auto distinct_names = [&](const YAML::Node& node, const std::string& key) {
    auto names = scalar<std::vector<std::string>>(path, node, key);
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) !=
          names.begin() + static_cast<std::ptrdiff_t>(i))
        fail(path, node[i], "'" + key + "' lists '" + names[i] + "' twice");
    }
    return names;
  };
  EffectsSpec spec;
  if (!root["name"]) fail(path, root, "missing field 'name'");
  spec.name = scalar<std::string>(path, root["name"], "name");
  if (root["feature_set"])
    spec.feature_set = scalar<std::string>(path, root["feature_set"], "feature_set");
  if (root["regimes"]) spec.regimes = scalar<std::string>(path, root["regimes"], "regimes");
  if (!root["treatments"]) fail(path, root, "missing field 'treatments'");
  spec.treatments = distinct_names(root["treatments"], "treatments");
  if (spec.treatments.empty())
    fail(path, root["treatments"], "'treatments' must name at least one treatment");
  if (!root["outcomes"] || !root["outcomes"].IsMap())
    fail(path, root, "'outcomes' must map names to level features");
  for (const auto& item : root["outcomes"]) {
    OutcomeSpec o;
    const YAML::Node v = item.second;
    if (v.IsScalar()) {
      o.feature = v.Scalar();
    } else {
      if (!v.IsMap())
        fail(path, v,
             "outcomes: '" + item.first.Scalar() + "' must be a feature name or {feature, kind}");
      only_keys(path, v, {"feature", "kind"}, "outcomes: ");
      o.feature = scalar<std::string>(path, v["feature"], "feature");
      const std::string kind = v["kind"] ? scalar<std::string>(path, v["kind"], "kind") : "return";
      if (kind != "return" && kind != "change")
        fail(path, v["kind"], "'kind' must be return or change");
      o.change = kind == "change";
    }
    spec.outcomes[item.first.Scalar()] = o;
  }
  if (!root["horizons"]) fail(path, root, "missing field 'horizons'");
  spec.horizons = int_list(root["horizons"], "horizons", 1, 120);
  if (root["controls"]) spec.controls = distinct_names(root["controls"], "controls");
  spec.lags = {1, 3};
  if (root["lags"]) spec.lags = int_list(root["lags"], "lags", 1, 60);
  if (root["learner"]) spec.learner = scalar<std::string>(path, root["learner"], "learner");
  if (root["learners"]) spec.learners = distinct_names(root["learners"], "learners");
  try {
    if (spec.learner != "auto") causal::make_regressor(spec.learner);  // validates the name
    for (const auto& l : spec.learners) causal::make_regressor(l);
  } catch (const Error& e) {
    fail(path, root["learner"] ? root["learner"] : root, e.what());
  }
  if (spec.learner == "auto" && spec.learners.empty())
    fail(path, root, "'learners' must name at least one candidate");
  if (root["folds"]) spec.folds = int_in(root["folds"], "folds", 2, 50);
  if (root["se"])
    spec.se = causal::parse_standard_error(scalar<std::string>(path, root["se"], "se"));
  if (const YAML::Node events = root["event_outcomes"]) {
    if (!events.IsMap()) fail(path, events, "'event_outcomes' must map names to {ticker, kind}");
    for (const auto& item : events) {
      const YAML::Node v = item.second;
      if (!v.IsMap())
        fail(path, v, "event_outcomes: '" + item.first.Scalar() + "' must be {ticker, kind}");
      only_keys(path, v, {"ticker", "kind"}, "event_outcomes: ");
      if (!v["ticker"])
        fail(path, v, "event_outcomes: '" + item.first.Scalar() + "' needs a ticker");
      EventOutcomeSpec o;
      o.ticker = scalar<std::string>(path, v["ticker"], "ticker");
      const std::string kind = v["kind"] ? scalar<std::string>(path, v["kind"], "kind") : "return";
      if (kind != "return" && kind != "change")
        fail(path, v["kind"], "'kind' must be return or change");
      o.change = kind == "change";
      spec.event_outcomes[item.first.Scalar()] = o;
    }
  }
  if (const YAML::Node irf = root["irf"]) {
    if (!irf.IsMap()) fail(path, irf, "'irf' must be a mapping {horizons, lags, se}");
    only_keys(path, irf, {"horizons", "lags", "se"}, "irf: ");
    if (irf["horizons"]) spec.irf_horizons = int_list(irf["horizons"], "irf.horizons", 0, 120);
    if (irf["lags"]) spec.irf_lags = int_in(irf["lags"], "irf.lags", 1, 24);
    if (irf["se"]) {
      spec.irf_se = scalar<std::string>(path, irf["se"], "irf.se");
      if (spec.irf_se != "hc1" && spec.irf_se != "hac")
        fail(path, irf["se"], "'irf.se' must be hc1 or hac (got '" + spec.irf_se + "')");
    }
  }
  spec.canonical_text = detail::effects_canonical(spec);
  spec.hash = fnv1a_hex(spec.canonical_text);
  return spec;
} catch (const YAML::Exception& e) {
  // A node used as the wrong kind where no check above caught it: still a named input error.
  detail::rethrow_yaml_error(path, e, "effects spec");
}

EffectsSpec spec_from_canonical(const std::string& text) {
  // canonical() writes one "key=value" line per field; lists are ','-joined or ';'-terminated.
  std::map<std::string, std::string> fields;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      throw Error(ErrorCode::kDataError, "effects spec text: line '" + line + "' has no '='");
    fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  const auto field = [&](const std::string& key) -> const std::string& {
    const auto it = fields.find(key);
    if (it == fields.end())
      throw Error(ErrorCode::kDataError, "effects spec text: no '" + key + "'");
    return it->second;
  };
  const auto pieces = [](const std::string& list) {
    std::vector<std::string> out;
    std::string current;
    for (const char c : list) {
      if (c == ';') {
        out.push_back(current);
        current.clear();
      } else {
        current += c;
      }
    }
    return out;
  };
  const auto ints = [&](const std::string& list) {
    std::vector<int> out;
    for (const auto& p : pieces(list)) out.push_back(std::stoi(p));
    return out;
  };
  EffectsSpec spec;
  try {
    spec.name = field("name");
    spec.feature_set = field("feature_set");
    spec.regimes = field("regimes");
    spec.treatments = store::split_names(field("treatments"));
    for (const auto& o : pieces(field("outcomes"))) {
      const auto a = o.find(':');
      const auto b = o.rfind(':');
      if (a == std::string::npos || a == b)
        throw Error(ErrorCode::kDataError, "effects spec text: outcome '" + o + "'");
      spec.outcomes[o.substr(0, a)] = {.feature = o.substr(a + 1, b - a - 1),
                                       .change = o.substr(b + 1) == "change"};
    }
    spec.horizons = ints(field("horizons"));
    spec.controls = store::split_names(field("controls"));
    spec.lags = ints(field("lags"));
    spec.learner = field("learner");
    spec.folds = std::stoi(field("folds"));
    spec.se = causal::parse_standard_error(field("se"));
    if (spec.learner == "auto") spec.learners = store::split_names(field("learners"));
    if (fields.count("event_outcomes")) {
      for (const auto& o : pieces(fields["event_outcomes"])) {
        const auto a = o.find(':');
        const auto b = o.rfind(':');
        if (a == std::string::npos || a == b)
          throw Error(ErrorCode::kDataError, "effects spec text: event outcome '" + o + "'");
        spec.event_outcomes[o.substr(0, a)] = {.ticker = o.substr(a + 1, b - a - 1),
                                               .change = o.substr(b + 1) == "change"};
      }
    }
    spec.irf_horizons = ints(field("irf_horizons"));
    spec.irf_lags = std::stoi(field("irf_lags"));
    spec.irf_se = field("irf_se");
  } catch (const std::logic_error& e) {  // stoi
    throw Error(ErrorCode::kDataError,
                std::string("effects spec text: a number does not parse (") + e.what() + ")");
  }
  spec.canonical_text = detail::effects_canonical(spec);
  if (spec.canonical_text != text) {
    throw Error(ErrorCode::kDataError,
                "effects spec text: does not read back to itself (written by another mre?)");
  }
  spec.hash = fnv1a_hex(spec.canonical_text);
  return spec;
}

}  // namespace mre::workflows
