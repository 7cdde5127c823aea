// See student_t.h.
#include "mre/scm/student_t.h"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

#include "mre/core/error.h"

namespace mre::scm {
namespace {

// Log-likelihood of x / s ~ t(nu) with s by EM (Liu & Rubin 1995): w_t = (nu + 1) / (nu + z_t^2),
// s^2 = mean(w_t x_t^2).
StudentTFit fit_at(const Vector& x, double nu, double start_scale) {
  double s2 = start_scale * start_scale;
  const Eigen::ArrayXd x2 = x.array().square();
  for (int it = 0; it < 500; ++it) {
    const Eigen::ArrayXd w = (nu + 1.0) / (nu + x2 / s2);
    const double next = (w * x2).mean();
    const bool done = std::abs(next - s2) <= 1e-12 * s2;
    s2 = next;
    if (done) break;
  }
  StudentTFit f;
  f.nu = nu;
  f.scale = std::sqrt(s2);
  const double n = static_cast<double>(x.size());
  f.log_likelihood = n * (std::lgamma(0.5 * (nu + 1.0)) - std::lgamma(0.5 * nu) -
                          0.5 * std::log(nu * std::numbers::pi) - std::log(f.scale)) -
                     0.5 * (nu + 1.0) * (x2 / (nu * s2)).log1p().sum();
  return f;
}

}  // namespace

StudentTFit fit_student_t(const Vector& x) {
  if (x.size() < 10) throw Error(ErrorCode::kDataError, "student-t fit: needs at least 10 values");
  const double sd = std::sqrt(x.squaredNorm() / static_cast<double>(x.size()));
  if (!(sd > 0)) throw Error(ErrorCode::kDataError, "student-t fit: the values are all zero");
  constexpr double nu_min = 2.1;  // finite variance: simulated paths must have a scale
  constexpr double nu_max = 100.0;
  constexpr int grid = 40;
  std::vector<StudentTFit> fits;
  for (int i = 0; i < grid; ++i) {
    const double nu = nu_min * std::pow(nu_max / nu_min, i / static_cast<double>(grid - 1));
    fits.push_back(fit_at(x, nu, sd));
  }
  const auto best =
      static_cast<std::size_t>(std::max_element(fits.begin(), fits.end(),
                                                [](const auto& a, const auto& b) {
                                                  return a.log_likelihood < b.log_likelihood;
                                                }) -
                               fits.begin());
  // Golden section on log(nu) between the best grid point's neighbours.
  double a = std::log(fits[best == 0 ? 0 : best - 1].nu);
  double b = std::log(fits[std::min<std::size_t>(best + 1, grid - 1)].nu);
  const double g = (std::sqrt(5.0) - 1.0) / 2.0;
  StudentTFit out = fits[best];
  for (int it = 0; it < 40 && b - a > 1e-6; ++it) {
    const double c = b - g * (b - a);
    const double d = a + g * (b - a);
    const auto fc = fit_at(x, std::exp(c), out.scale);
    const auto fd = fit_at(x, std::exp(d), out.scale);
    if (fc.log_likelihood > out.log_likelihood) out = fc;
    if (fd.log_likelihood > out.log_likelihood) out = fd;
    if (fc.log_likelihood >= fd.log_likelihood)
      b = d;
    else
      a = c;
  }
  return out;
}

double kendall_tau(const Vector& a, const Vector& b) {
  double concordant = 0;
  double discordant = 0;
  double ties_a = 0;
  double ties_b = 0;
  const Eigen::Index n = a.size();
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = i + 1; j < n; ++j) {
      const double da = a(i) - a(j);
      const double db = b(i) - b(j);
      if (da == 0 && db == 0) continue;
      if (da == 0) {
        ties_a += 1;
        continue;
      }
      if (db == 0) {
        ties_b += 1;
        continue;
      }
      if ((da > 0) == (db > 0))
        concordant += 1;
      else
        discordant += 1;
    }
  }
  const double denom =
      std::sqrt((concordant + discordant + ties_a) * (concordant + discordant + ties_b));
  return denom > 0 ? (concordant - discordant) / denom : 0.0;
}

TCopula fit_t_copula(const Matrix& x) {
  const Eigen::Index T = x.rows();
  const Eigen::Index D = x.cols();
  if (T < 20) throw Error(ErrorCode::kDataError, "t copula: needs at least 20 rows");
  TCopula out;
  for (Eigen::Index j = 0; j < D; ++j) out.margins.push_back(fit_student_t(x.col(j)));
  // Correlation: sin(pi tau / 2) is consistent for every elliptical copula; repaired to the
  // nearest positive definite matrix by clipping eigenvalues when rounding breaks it.
  Matrix R = Matrix::Identity(D, D);
  for (Eigen::Index i = 0; i < D; ++i) {
    for (Eigen::Index j = i + 1; j < D; ++j) {
      R(i, j) = R(j, i) = std::sin(0.5 * std::numbers::pi * kendall_tau(x.col(i), x.col(j)));
    }
  }
  Eigen::SelfAdjointEigenSolver<Matrix> eig(R);
  if (eig.eigenvalues().minCoeff() < 1e-6) {
    const Vector clipped = eig.eigenvalues().cwiseMax(1e-6);
    R = eig.eigenvectors() * clipped.asDiagonal() * eig.eigenvectors().transpose();
    const Vector s = R.diagonal().cwiseSqrt().cwiseInverse();
    R = s.asDiagonal() * R * s.asDiagonal();
  }
  out.correlation = R;
  // Rank pseudo-observations u = rank / (T + 1) (ties get their average rank).
  Matrix u(T, D);
  for (Eigen::Index j = 0; j < D; ++j) {
    std::vector<Eigen::Index> idx(static_cast<std::size_t>(T));
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](auto p, auto q) { return x(p, j) < x(q, j); });
    for (std::size_t k = 0; k < idx.size();) {
      std::size_t e = k;
      while (e + 1 < idx.size() && x(idx[e + 1], j) == x(idx[k], j)) ++e;
      const double rank = 0.5 * static_cast<double>(k + e) + 1.0;
      for (std::size_t q = k; q <= e; ++q) u(idx[q], j) = rank / static_cast<double>(T + 1);
      k = e + 1;
    }
  }
  const Eigen::LLT<Matrix> llt(R);
  const double log_det = 2.0 * llt.matrixL().toDenseMatrix().diagonal().array().log().sum();
  // The copula log-likelihood over a grid of nu: log f_{nu,R}(q) - sum_j log f_nu(q_j) with
  // q_j = F_nu^{-1}(u_j); quantiles cached per distinct u (ranks repeat across columns).
  double best_nu = 0;
  double best_ll = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < 24; ++i) {
    const double nu = 2.1 * std::pow(100.0 / 2.1, i / 23.0);
    std::vector<double> cache(static_cast<std::size_t>(2 * T + 3),
                              std::numeric_limits<double>::quiet_NaN());
    Matrix q(T, D);
    for (Eigen::Index t = 0; t < T; ++t) {
      for (Eigen::Index j = 0; j < D; ++j) {
        const auto key =
            static_cast<std::size_t>(std::lround(u(t, j) * static_cast<double>(2 * (T + 1))));
        if (std::isnan(cache[key])) cache[key] = student_t_quantile(u(t, j), nu);
        q(t, j) = cache[key];
      }
    }
    const Matrix z = llt.matrixL().solve(q.transpose());  // D x T
    const double d = static_cast<double>(D);
    double ll = 0;
    const double c = std::lgamma(0.5 * (nu + d)) - std::lgamma(0.5 * nu) -
                     0.5 * d * std::log(nu * std::numbers::pi) - 0.5 * log_det;
    for (Eigen::Index t = 0; t < T; ++t) {
      ll += c - 0.5 * (nu + d) * std::log1p(z.col(t).squaredNorm() / nu);
      for (Eigen::Index j = 0; j < D; ++j) ll -= student_t_log_pdf(q(t, j), nu);
    }
    if (ll > best_ll) {
      best_ll = ll;
      best_nu = nu;
    }
  }
  out.nu = best_nu;
  return out;
}

}  // namespace mre::scm
