// Rule scores: a smooth step per condition, averaged per regime.
#include "mre/regimes/rules/rules.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mre/core/error.h"

namespace mre::regimes::rules {

RulesResult score(const std::vector<Rule>& rules, const std::vector<std::string>& columns,
                  const Matrix& data) {
  if (rules.empty()) throw Error(ErrorCode::kInvalidArgument, "rules: no regime to score");
  RulesResult out;
  out.scores = Matrix::Constant(data.rows(), static_cast<Eigen::Index>(rules.size()),
                                std::numeric_limits<double>::quiet_NaN());
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const auto& rule = rules[r];
    if (rule.conditions.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "regime '" + rule.regime + "' has no conditions");
    }
    std::vector<Eigen::Index> index;
    for (const auto& c : rule.conditions) {
      const auto it = std::find(columns.begin(), columns.end(), c.feature);
      if (it == columns.end()) {
        throw Error(ErrorCode::kInvalidArgument, "regime '" + rule.regime + "': unknown feature '" +
                                                     c.feature + "' (not in the feature version)");
      }
      if (!(c.scale > 0)) {
        throw Error(ErrorCode::kInvalidArgument,
                    "regime '" + rule.regime + "', feature '" + c.feature + "': scale must be > 0");
      }
      index.push_back(it - columns.begin());
    }
    for (Eigen::Index t = 0; t < data.rows(); ++t) {
      double sum = 0;
      int n = 0;
      for (std::size_t k = 0; k < rule.conditions.size(); ++k) {
        const double x = data(t, index[k]);
        if (std::isnan(x)) continue;
        const auto& c = rule.conditions[k];
        sum += 0.5 * (1.0 + std::tanh(c.sign * (x - c.threshold) / c.scale));
        ++n;
      }
      if (n > 0) out.scores(t, static_cast<Eigen::Index>(r)) = sum / n;
    }
  }
  return out;
}

}  // namespace mre::regimes::rules
