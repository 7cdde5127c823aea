// See check.h.
#include "mre/scm/check.h"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "mre/causal/inference.h"
#include "mre/core/error.h"

namespace mre::scm {

int GraphCheck::rejections() const {
  int n = 0;
  for (const auto& t : implications) n += t.rejected ? 1 : 0;
  for (const auto& t : residual_correlations) n += t.rejected ? 1 : 0;
  return n;
}

std::vector<double> holm_adjust(const std::vector<double>& p) {
  const std::size_t m = p.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  std::vector<double> out(m);
  double running = 0.0;
  for (std::size_t k = 0; k < m; ++k) {
    running = std::max(running, std::min(1.0, static_cast<double>(m - k) * p[order[k]]));
    out[order[k]] = running;
  }
  return out;
}

namespace {

Vector residual_on(const Matrix& X, const Vector& y) {
  const Vector b = X.colPivHouseholderQr().solve(y);
  return y - X * b;
}

double correlation(const Vector& a, const Vector& b) {
  const Vector x = a.array() - a.mean();
  const Vector y = b.array() - b.mean();
  const double d = std::sqrt(x.squaredNorm() * y.squaredNorm());
  return d > 0 ? x.dot(y) / d : 0.0;
}

}  // namespace

GraphCheck check_graph(const Fitted& model, const Matrix& data, double alpha) {
  if (!(alpha > 0.0 && alpha < 1.0))
    throw Error(ErrorCode::kInvalidArgument, "scm check: alpha must be in (0, 1)");
  const auto& g = model.graph;
  const Eigen::Index T = data.rows() - 1;
  GraphCheck out;
  out.alpha = alpha;
  out.hac_lag = model.hac_lag;
  const auto order = topological_order(g);
  std::vector<bool> identity(g.nodes.size(), false);
  for (const auto& id : g.identities)
    identity[static_cast<std::size_t>(node_index(g, id.node))] = true;
  for (std::size_t pos = 0; pos < order.size(); ++pos) {
    const int x = order[pos];
    if (identity[static_cast<std::size_t>(x)]) continue;
    const auto eq = std::find_if(g.equations.begin(), g.equations.end(),
                                 [&](const Equation& e) { return node_index(g, e.node) == x; });
    std::vector<int> parents;
    for (const auto& p : eq->parents) parents.push_back(node_index(g, p));
    for (std::size_t earlier = 0; earlier < pos; ++earlier) {
      const int y = order[earlier];
      if (identity[static_cast<std::size_t>(y)] ||
          std::find(parents.begin(), parents.end(), y) != parents.end())
        continue;
      // X's equation: intercept, own lag, parents; then Y_t.
      const Eigen::Index k = 1 + (eq->own_lag ? 1 : 0) + static_cast<Eigen::Index>(parents.size());
      Matrix Z(T, k);
      Z.col(0).setOnes();
      Eigen::Index c = 1;
      ImplicationTest t{.node = g.nodes[static_cast<std::size_t>(x)],
                        .other = g.nodes[static_cast<std::size_t>(y)]};
      if (eq->own_lag) {
        Z.col(c++) = data.col(x).head(T);
        t.given.push_back(t.node + "(t-1)");
      }
      for (const int p : parents) {
        Z.col(c++) = data.col(p).tail(T);
        t.given.push_back(g.nodes[static_cast<std::size_t>(p)]);
      }
      const Vector target = data.col(x).tail(T);
      const Vector other = data.col(y).tail(T);
      Matrix W(T, k + 1);
      W << Z, other;
      const auto fit =
          causal::ols_with_covariance(W, target, causal::StandardError::kHac, model.hac_lag);
      t.coefficient = fit.coefficients(k);
      t.standard_error = std::sqrt(std::max(0.0, fit.covariance(k, k)));
      t.p_value =
          t.standard_error > 0 ? causal::two_sided_p(t.coefficient / t.standard_error) : 1.0;
      t.partial_correlation = correlation(residual_on(Z, target), residual_on(Z, other));
      out.implications.push_back(std::move(t));
    }
  }
  const Matrix u = abduct(model, data);
  for (std::size_t a = 0; a < g.equations.size(); ++a) {
    for (std::size_t b = a + 1; b < g.equations.size(); ++b) {
      const int ia = node_index(g, g.equations[a].node);
      const int ib = node_index(g, g.equations[b].node);
      const Vector ua = u.col(ia).tail(T);
      const Vector ub = u.col(ib).tail(T);
      Matrix X(T, 2);
      X.col(0).setOnes();
      X.col(1) = ub;
      const auto fit =
          causal::ols_with_covariance(X, ua, causal::StandardError::kHac, model.hac_lag);
      const double se = std::sqrt(std::max(0.0, fit.covariance(1, 1)));
      out.residual_correlations.push_back(
          {.node = g.equations[a].node,
           .other = g.equations[b].node,
           .correlation = correlation(ua, ub),
           .p_value = se > 0 ? causal::two_sided_p(fit.coefficients(1) / se) : 1.0});
    }
  }
  std::vector<double> p;
  p.reserve(out.implications.size() + out.residual_correlations.size());
  for (const auto& t : out.implications) p.push_back(t.p_value);
  for (const auto& t : out.residual_correlations) p.push_back(t.p_value);
  const auto adjusted = holm_adjust(p);
  std::size_t i = 0;
  for (auto& t : out.implications) {
    t.holm_p = adjusted[i++];
    t.rejected = t.holm_p <= alpha;
  }
  for (auto& t : out.residual_correlations) {
    t.holm_p = adjusted[i++];
    t.rejected = t.holm_p <= alpha;
  }
  return out;
}

}  // namespace mre::scm
