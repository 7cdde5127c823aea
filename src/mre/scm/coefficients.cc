// See coefficients.h.
#include "mre/scm/coefficients.h"

#include <cmath>

#include "mre/core/error.h"

namespace mre::scm {

std::vector<CoefficientEstimate> coefficient_table(const FittedEquation& f) {
  const auto parents = static_cast<Eigen::Index>(f.parents.size());
  const Eigen::Index rows = f.covariance.rows();
  if (f.covariance.cols() != rows || (rows != 1 + parents && rows != 2 + parents) ||
      f.beta.size() != f.parents.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                "coefficient_table: equation '" + f.node + "' has a " + std::to_string(rows) + "x" +
                    std::to_string(f.covariance.cols()) + " covariance for " +
                    std::to_string(parents) + " parents");
  }
  std::vector<std::pair<std::string, double>> terms = {{"intercept", f.intercept}};
  if (rows == 2 + parents) terms.emplace_back(f.node + "(t-1)", f.phi);
  for (std::size_t k = 0; k < f.parents.size(); ++k) terms.emplace_back(f.parents[k], f.beta[k]);
  std::vector<CoefficientEstimate> out;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const double se =
        std::sqrt(f.covariance(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i)));
    const double estimate = terms[i].second;
    out.push_back(
        {terms[i].first, estimate, se, estimate - kNormal975 * se, estimate + kNormal975 * se});
  }
  return out;
}

}  // namespace mre::scm
