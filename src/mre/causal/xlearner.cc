// See xlearner.h.
#include "mre/causal/xlearner.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::causal {
namespace {

struct Split {
  Matrix X0, X1;
  Vector y0, y1;
};

Split split(const Matrix& X, const Vector& t, const Vector& y) {
  Split s;
  const auto n1 = static_cast<Eigen::Index>(t.sum());
  const Eigen::Index n0 = t.size() - n1;
  s.X0.resize(n0, X.cols());
  s.X1.resize(n1, X.cols());
  s.y0.resize(n0);
  s.y1.resize(n1);
  Eigen::Index i0 = 0;
  Eigen::Index i1 = 0;
  for (Eigen::Index i = 0; i < t.size(); ++i) {
    if (t(i) == 1.0) {
      s.X1.row(i1) = X.row(i);
      s.y1(i1++) = y(i);
    } else {
      s.X0.row(i0) = X.row(i);
      s.y0(i0++) = y(i);
    }
  }
  return s;
}

void check_binary(const Vector& t) {
  Eigen::Index treated = 0;
  for (Eigen::Index i = 0; i < t.size(); ++i) {
    if (t(i) != 0.0 && t(i) != 1.0) {
      throw Error(ErrorCode::kDataError,
                  "treatment: the X-learner needs a binary treatment (0 or 1); row " +
                      std::to_string(i + 1) + " has " + std::to_string(t(i)) +
                      " (binarise it, e.g. hike vs no hike)");
    }
    treated += t(i) == 1.0;
  }
  if (treated < 2 || t.size() - treated < 2) {
    throw Error(ErrorCode::kDataError,
                "treatment: the X-learner needs at least 2 treated and 2 control rows (got " +
                    std::to_string(treated) + " and " + std::to_string(t.size() - treated) + ")");
  }
}

void check_inputs(const Matrix& X, const Vector& t, const Vector& y) {
  check_arg(X.rows() == t.size() && t.size() == y.size(), "data",
            "X, treatment and outcome need the same rows");
  if (!y.allFinite()) throw Error(ErrorCode::kDataError, "outcome: missing or non-finite values");
  if (!X.allFinite()) throw Error(ErrorCode::kDataError, "controls: missing or non-finite values");
  check_binary(t);
}

XLearnerModel fit_model(const Matrix& X, const Vector& t, const Vector& y,
                        const Regressor& outcome_model, const Regressor& effect_model,
                        const Classifier& propensity_model) {
  const Split s = split(X, t, y);
  XLearnerModel m;
  m.n_features = X.cols();
  m.mu0 = outcome_model.fresh();
  m.mu0->fit(s.X0, s.y0);
  m.mu1 = outcome_model.fresh();
  m.mu1->fit(s.X1, s.y1);
  const Vector d1 = s.y1 - m.mu0->predict(s.X1);
  const Vector d0 = m.mu1->predict(s.X0) - s.y0;
  m.tau1 = effect_model.fresh();
  m.tau1->fit(s.X1, d1);
  m.tau0 = effect_model.fresh();
  m.tau0->fit(s.X0, d0);
  m.propensity = propensity_model.fresh();
  m.propensity->fit(X, t);
  return m;
}

struct Fitted {
  Vector cate;
  Vector propensity;
};

Fitted fit_once(const Matrix& X, const Vector& t, const Vector& y, const Regressor& outcome_model,
                const Regressor& effect_model, const Classifier& propensity_model) {
  const XLearnerModel m = fit_model(X, t, y, outcome_model, effect_model, propensity_model);
  Fitted out;
  out.propensity = m.propensity->predict_probability(X);
  const Vector t0 = m.tau0->predict(X);
  const Vector t1 = m.tau1->predict(X);
  out.cate =
      out.propensity.cwiseProduct(t0) + (1.0 - out.propensity.array()).matrix().cwiseProduct(t1);
  return out;
}

void check_rows(const XLearnerModel& m, const Matrix& X) {
  if (!m.propensity) throw Error(ErrorCode::kInvalidArgument, "X-learner: not fitted");
  if (X.cols() != m.n_features) {
    throw Error(ErrorCode::kInvalidArgument, "X: has " + std::to_string(X.cols()) +
                                                 " columns, the model " +
                                                 std::to_string(m.n_features) + " features");
  }
  if (!X.allFinite()) throw Error(ErrorCode::kDataError, "controls: missing or non-finite values");
}

}  // namespace

Vector XLearnerModel::propensity_of(const Matrix& X) const {
  check_rows(*this, X);
  return propensity->predict_probability(X);
}

Vector XLearnerModel::cate(const Matrix& X) const {
  const Vector e = propensity_of(X);
  return e.cwiseProduct(tau0->predict(X)) +
         (1.0 - e.array()).matrix().cwiseProduct(tau1->predict(X));
}

XLearnerModel fit_x_learner_model(const Matrix& X, const Vector& t, const Vector& y,
                                  const Regressor& outcome_model, const Regressor& effect_model,
                                  const Classifier& propensity_model) {
  check_inputs(X, t, y);
  return fit_model(X, t, y, outcome_model, effect_model, propensity_model);
}

std::vector<Eigen::Index> moving_block_resample(Eigen::Index n, int block, std::uint64_t seed) {
  check_arg(block >= 1 && block <= n, "block_length", "must be in [1, n]");
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<Eigen::Index> start(0, n - block);
  std::vector<Eigen::Index> out;
  out.reserve(static_cast<std::size_t>(n + block));
  while (static_cast<Eigen::Index>(out.size()) < n) {
    const Eigen::Index s = start(rng);
    for (int j = 0; j < block; ++j) out.push_back(s + j);
  }
  out.resize(static_cast<std::size_t>(n));
  return out;
}

XLearnerResult x_learner(const Matrix& X, const Vector& t, const Vector& y,
                         const Regressor& outcome_model, const Regressor& effect_model,
                         const Classifier& propensity_model, const XLearnerOptions& options) {
  check_inputs(X, t, y);
  const Eigen::Index n = y.size();
  const Fitted fitted = fit_once(X, t, y, outcome_model, effect_model, propensity_model);
  XLearnerResult out;
  out.cate = fitted.cate;
  out.propensity = fitted.propensity;
  out.ate = fitted.cate.mean();
  out.block_length = options.block_length > 0
                         ? options.block_length
                         : static_cast<int>(std::ceil(std::cbrt(static_cast<double>(n))));
  std::vector<double> ates;
  for (int b = 0; b < options.bootstrap; ++b) {
    const auto index =
        moving_block_resample(n, out.block_length, options.seed + static_cast<std::uint64_t>(b));
    Matrix Xb(n, X.cols());
    Vector tb(n);
    Vector yb(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      Xb.row(i) = X.row(index[static_cast<std::size_t>(i)]);
      tb(i) = t(index[static_cast<std::size_t>(i)]);
      yb(i) = y(index[static_cast<std::size_t>(i)]);
    }
    const double treated = tb.sum();
    if (treated < 2 || static_cast<double>(n) - treated < 2)
      continue;  // a resample without both arms
    try {
      ates.push_back(
          fit_once(Xb, tb, yb, outcome_model, effect_model, propensity_model).cate.mean());
    } catch (const Error&) {
      // A resample the learners cannot fit (e.g. collinear after resampling) is skipped.
    }
  }
  out.bootstrap = static_cast<int>(ates.size());
  if (ates.size() >= 10) {
    std::sort(ates.begin(), ates.end());
    const auto quantile = [&](double q) {
      const double pos = q * static_cast<double>(ates.size() - 1);
      const auto lo = static_cast<std::size_t>(std::floor(pos));
      const auto hi = std::min(lo + 1, ates.size() - 1);
      return ates[lo] + (pos - static_cast<double>(lo)) * (ates[hi] - ates[lo]);
    };
    out.ci_low = quantile(0.025);
    out.ci_high = quantile(0.975);
    double mean = 0;
    for (double a : ates) mean += a;
    mean /= static_cast<double>(ates.size());
    double ss = 0;
    for (double a : ates) ss += (a - mean) * (a - mean);
    out.se = std::sqrt(ss / static_cast<double>(ates.size() - 1));
  } else {
    out.ci_low = out.ci_high = std::numeric_limits<double>::quiet_NaN();
    out.se = std::numeric_limits<double>::quiet_NaN();
  }
  return out;
}

}  // namespace mre::causal
