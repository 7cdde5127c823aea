// Regime method `rules`: the V0 signatures (regimes/rules), a regime per rule, scored by
// condition strengths; no fitting.
#include <yaml-cpp/yaml.h>

#include <cmath>

#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/workflows/detail/yaml_file.h"
#include "mre/workflows/detect_regimes.h"
#include "mre/workflows/regime_methods/regime_method.h"

namespace mre::workflows {
namespace {

using detail::fail;
using detail::only_keys;
using detail::scalar;

void parse(const std::filesystem::path& path, const YAML::Node& root, RegimeSpec& spec) {
  const YAML::Node rules = root["rules"];
  if (!rules || !rules.IsMap())
    fail(path, root, "method rules needs 'rules': a mapping from regime to conditions");
  if (rules.size() == 0)
    fail(path, rules, "'rules' is empty: name at least one regime and its conditions");
  for (const auto& item : rules) {
    regimes::rules::Rule rule;
    rule.regime = item.first.Scalar();
    // The regime's name is its label: a CSV column (p_<name>) and an entry of a stored list.
    if (const auto problem = name_problem(rule.regime))
      fail(path, item.first, "regime name '" + rule.regime + "' " + *problem);
    if (!item.second.IsSequence())
      fail(path, item.second, "regime '" + rule.regime + "': expected a list of conditions");
    for (const auto& c : item.second) {
      only_keys(path, c, {"feature", "direction", "threshold", "scale"},
                "regime '" + rule.regime + "': ");
      if (!c["feature"]) fail(path, c, "regime '" + rule.regime + "': a condition needs 'feature'");
      regimes::rules::Condition condition;
      condition.feature = c["feature"].Scalar();
      const std::string direction = c["direction"] ? c["direction"].Scalar() : "up";
      if (direction != "up" && direction != "down") {
        fail(path, c["direction"], "regime '" + rule.regime + "': direction must be up or down");
      }
      condition.sign = direction == "up" ? 1.0 : -1.0;
      if (c["threshold"]) condition.threshold = scalar<double>(path, c["threshold"], "threshold");
      if (c["scale"]) condition.scale = scalar<double>(path, c["scale"], "scale");
      if (!std::isfinite(condition.threshold))
        fail(path, c["threshold"],
             "regime '" + rule.regime + "', feature '" + condition.feature +
                 "': threshold must be a finite number");
      if (!(condition.scale > 0) || !std::isfinite(condition.scale))
        fail(path, c["scale"] ? c["scale"] : c,
             "regime '" + rule.regime + "', feature '" + condition.feature +
                 "': scale must be a finite number > 0");
      rule.conditions.push_back(condition);
    }
    spec.rules.push_back(std::move(rule));
  }
}

void canonical(const RegimeSpec& spec, std::ostream& out) {
  write_schedule(spec, out);
  for (const auto& rule : spec.rules) {
    out << "rule=" << rule.regime;
    for (const auto& c : rule.conditions)
      out << "|" << c.feature << "," << c.sign << "," << c.threshold << "," << c.scale;
    out << "\n";
  }
}

RegimeFitOutput fit(const RegimeFitInput& in) {
  RegimeFitOutput out;
  const auto scored = regimes::rules::score(in.spec.rules, in.columns, in.data);
  // Each condition scores 0.5 (1 + tanh(u)) > 0, but it rounds to 0 beyond about 350 scales on
  // the wrong side of its threshold. A date where every regime rounds to 0 has no normalised
  // probability (0 / 0): the spec's thresholds and scales cannot tell its regimes apart there.
  for (Eigen::Index t = 0; t < scored.scores.rows(); ++t) {
    const auto row = scored.scores.row(t);
    if (!row.hasNaN() && (row.array() == 0.0).all()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "rules: on " + in.dates[static_cast<std::size_t>(t)].iso() +
                      " every regime's score is 0 (each condition is hundreds of scales on the "
                      "wrong side of its threshold): check the rules' thresholds and scales");
    }
  }
  out.probabilities = scored.scores;
  out.raw_scores = scored.scores;
  for (const auto& r : in.spec.rules) out.labels.push_back(r.regime);
  out.params_json = in.spec.canonical_text;
  out.diagnostics_json =
      "{\"method\": \"rules\", \"note\": \"scores are rule strengths in [0, 1], normalised to sum "
      "to 1\"}";
  return out;
}

}  // namespace

const RegimeMethod& rules_method() {
  static const RegimeMethod method{
      .name = "rules",
      .keys = {"rules"},
      .parse = parse,
      .states = [](const RegimeSpec&) -> std::optional<int> { return std::nullopt; },
      .canonical = canonical,
      .fit = fit,
  };
  return method;
}

}  // namespace mre::workflows
