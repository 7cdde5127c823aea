// See inference.h.
#include "mre/causal/inference.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "mre/core/check.h"
#include "mre/core/distributions.h"
#include "mre/core/error.h"

namespace mre::causal {

StandardError parse_standard_error(const std::string& name) {
  if (name == "hc0") return StandardError::kHc0;
  if (name == "hc1") return StandardError::kHc1;
  if (name == "hac") return StandardError::kHac;
  if (name == "ewc") return StandardError::kEwc;
  if (name == "ewc_hc3") return StandardError::kEwcHc3;
  throw Error(ErrorCode::kInvalidArgument,
              "se: unknown standard error '" + name + "' (expected hc0, hc1, hac, ewc or ewc_hc3)");
}

bool is_ewc(StandardError se) { return se == StandardError::kEwc || se == StandardError::kEwcHc3; }

std::string standard_error_name(StandardError se) {
  switch (se) {
    case StandardError::kHc0:
      return "hc0";
    case StandardError::kHc1:
      return "hc1";
    case StandardError::kHac:
      return "hac";
    case StandardError::kEwc:
      return "ewc";
    case StandardError::kEwcHc3:
      return "ewc_hc3";
  }
  return "hac";
}

int newey_west_lag(Eigen::Index n) {
  return static_cast<int>(std::floor(4.0 * std::pow(static_cast<double>(n) / 100.0, 2.0 / 9.0)));
}

int ewc_degrees_of_freedom(Eigen::Index n, int min_bandwidth) {
  check_arg(n >= 1, "n", "must be >= 1");
  // cbrt(n^2), not pow(n, 2/3): 1000^(2/3) must be 100, not 99.99999999999997. The 1e-9 keeps a
  // product that should be whole (0.4 * 100) from falling below it.
  const double nd = static_cast<double>(n);
  const auto rule = static_cast<Eigen::Index>(std::floor(0.4 * std::cbrt(nd * nd) + 1e-9));
  const Eigen::Index widest = min_bandwidth > 1 ? n / min_bandwidth : n;
  return static_cast<int>(std::max<Eigen::Index>(1, std::min(rule, widest)));
}

LinearFit ols_with_covariance(const Matrix& X, const Vector& y, StandardError se, int hac_lag) {
  const Eigen::Index n = X.rows();
  const Eigen::Index k = X.cols();
  check_arg(n == y.size(), "y", "must have one value per row of X");
  check_arg(n > k, "X", "needs more rows than columns");
  const Matrix gram = X.transpose() * X;
  const Eigen::LDLT<Matrix> ldlt(gram);
  if (ldlt.info() != Eigen::Success ||
      !(ldlt.vectorD().minCoeff() > 1e-12 * ldlt.vectorD().maxCoeff())) {
    throw Error(ErrorCode::kDataError,
                "final stage: the treatment residuals are (nearly) collinear or zero");
  }
  LinearFit out;
  out.coefficients = ldlt.solve(X.transpose() * y);
  out.residuals = y - X * out.coefficients;
  const Matrix bread = ldlt.solve(Matrix::Identity(k, k));
  // Scores x_t e_t, one row per observation.
  Matrix scores = X.array().colwise() * out.residuals.array();
  if (se == StandardError::kEwcHc3) {
    const Vector leverage = (X * bread).cwiseProduct(X).rowwise().sum();
    for (Eigen::Index t = 0; t < n; ++t) {
      const double keep = 1.0 - leverage(t);
      if (!(keep > 1e-10)) {
        throw Error(ErrorCode::kDataError,
                    "final stage: observation " + std::to_string(t + 1) +
                        " has leverage 1 (it alone determines a coefficient); ewc_hc3 needs "
                        "every coefficient estimated from more than one observation");
      }
      scores.row(t) /= keep;
    }
  }
  if (is_ewc(se)) {
    check_arg(hac_lag >= 0, "hac_lag", "must be >= 0");
    out.hac_lag = hac_lag;
    out.dof = ewc_degrees_of_freedom(n, hac_lag);
    // meat = n Omega: the sum of Lambda_j Lambda_j' / nu with Lambda_j = sqrt(2/n) sum_t c_jt z_t.
    Matrix projections(out.dof, k);
    const double step = std::acos(-1.0) / static_cast<double>(n);
    for (int j = 1; j <= out.dof; ++j) {
      Eigen::RowVectorXd lambda = Eigen::RowVectorXd::Zero(k);
      for (Eigen::Index t = 0; t < n; ++t)
        lambda += std::cos(step * j * (static_cast<double>(t) + 0.5)) * scores.row(t);
      projections.row(j - 1) = lambda;
    }
    // n * (2 / n) / nu = 2 / nu.
    const Matrix meat = (2.0 / out.dof) * (projections.transpose() * projections);
    out.covariance = bread * meat * bread;
    return out;
  }
  Matrix meat = scores.transpose() * scores;
  if (se == StandardError::kHac) {
    check_arg(hac_lag >= 0, "hac_lag", "must be >= 0");
    out.hac_lag = hac_lag;
    for (int lag = 1; lag <= hac_lag && lag < n; ++lag) {
      const double w = 1.0 - static_cast<double>(lag) / (hac_lag + 1.0);  // Bartlett
      const Matrix gamma = scores.bottomRows(n - lag).transpose() * scores.topRows(n - lag);
      meat += w * (gamma + gamma.transpose());
    }
  }
  out.covariance = bread * meat * bread;
  if (se == StandardError::kHc1)
    out.covariance *= static_cast<double>(n) / static_cast<double>(n - k);
  return out;
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double two_sided_p(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

double two_sided_p(double statistic, int dof) {
  return dof > 0 ? student_t_two_sided_p(statistic, dof) : two_sided_p(statistic);
}

double critical_975(int dof) { return dof > 0 ? student_t_quantile(0.975, dof) : kZ975; }

namespace {

// Regularised lower incomplete gamma P(a, x): series for x < a + 1, else 1 - continued
// fraction (Numerical Recipes' scheme, written from the formulas).
double gamma_p(double a, double x) {
  if (x <= 0) return 0.0;
  const double log_prefix = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1.0) {
    double term = 1.0 / a;
    double sum = term;
    for (int n = 1; n < 1000; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::abs(term) < std::abs(sum) * 1e-16) break;
    }
    return sum * std::exp(log_prefix);
  }
  // Lentz's method for the continued fraction of Q(a, x).
  const double tiny = 1e-300;
  double b = x + 1.0 - a;
  double c = 1.0 / tiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1.0) < 1e-16) break;
  }
  return 1.0 - std::exp(log_prefix) * h;
}

}  // namespace

double chi_square_sf(double x, int dof) {
  check_arg(dof >= 1, "dof", "must be >= 1");
  if (!(x > 0)) return 1.0;
  return 1.0 - gamma_p(0.5 * dof, 0.5 * x);
}

double wald_p_value(double statistic, int restrictions, int dof) {
  check_arg(restrictions >= 1, "restrictions", "must be >= 1");
  if (dof <= 0) return chi_square_sf(statistic, restrictions);
  check_arg(restrictions <= dof, "restrictions",
            "must not exceed the EWC's degrees of freedom (" + std::to_string(dof) + ")");
  const double d2 = dof - restrictions + 1.0;
  return f_distribution_sf(statistic / restrictions * d2 / dof, restrictions, d2);
}

}  // namespace mre::causal
