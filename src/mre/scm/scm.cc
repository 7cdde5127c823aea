// See scm.h.
#include "mre/scm/scm.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::scm {
namespace {

[[noreturn]] void bad(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, "scm graph: " + message);
}

// Contemporaneous inputs of each node (equation parents or identity terms), by index.
std::vector<std::vector<int>> inputs(const Graph& g) {
  std::vector<std::vector<int>> out(g.nodes.size());
  for (const auto& e : g.equations) {
    for (const auto& p : e.parents)
      out[static_cast<std::size_t>(node_index(g, e.node))].push_back(node_index(g, p));
  }
  for (const auto& id : g.identities) {
    for (const auto& t : id.terms)
      out[static_cast<std::size_t>(node_index(g, id.node))].push_back(node_index(g, t));
  }
  return out;
}

}  // namespace

double sample_kurtosis(const Vector& v) {
  const Eigen::ArrayXd c = v.array() - v.mean();
  const double m2 = c.square().mean();
  return m2 > 0 ? c.pow(4).mean() / (m2 * m2) : 0.0;
}

double first_autocorrelation(const Vector& v) {
  const double m = v.mean();
  double num = 0;
  double den = 0;
  for (Eigen::Index t = 0; t < v.size(); ++t) {
    den += (v(t) - m) * (v(t) - m);
    if (t > 0) num += (v(t) - m) * (v(t - 1) - m);
  }
  return den > 0 ? num / den : 0.0;
}

int node_index(const Graph& graph, const std::string& node) {
  const auto it = std::find(graph.nodes.begin(), graph.nodes.end(), node);
  if (it == graph.nodes.end()) bad("unknown node '" + node + "'");
  return static_cast<int>(it - graph.nodes.begin());
}

void validate(const Graph& g) {
  std::set<std::string> seen;
  for (const auto& n : g.nodes) {
    if (!seen.insert(n).second) bad("node '" + n + "' is listed twice");
  }
  std::map<std::string, int> defined;
  for (const auto& e : g.equations) {
    if (!seen.count(e.node)) bad("equation for unknown node '" + e.node + "'");
    ++defined[e.node];
    for (const auto& p : e.parents) {
      if (!seen.count(p)) bad("node '" + e.node + "': parent '" + p + "' is not defined");
      if (p == e.node) bad("node '" + e.node + "' is its own contemporaneous parent (use its lag)");
    }
  }
  for (const auto& id : g.identities) {
    if (!seen.count(id.node)) bad("identity for unknown node '" + id.node + "'");
    ++defined[id.node];
    if (id.terms.empty()) bad("identity '" + id.node + "' has no terms");
    for (const auto& t : id.terms) {
      if (!seen.count(t)) bad("identity '" + id.node + "': term '" + t + "' is not defined");
    }
  }
  for (const auto& n : g.nodes) {
    if (defined[n] != 1)
      bad("node '" + n + "' needs exactly one equation or identity (has " +
          std::to_string(defined[n]) + ")");
  }
  for (const auto& term : g.terminal) {
    if (!seen.count(term)) bad("terminal node '" + term + "' is not defined");
    for (const auto& e : g.equations) {
      if (std::find(e.parents.begin(), e.parents.end(), term) != e.parents.end()) {
        bad("terminal node '" + term + "' may not be a parent of '" + e.node + "'");
      }
    }
    for (const auto& id : g.identities) {
      if (std::find(id.terms.begin(), id.terms.end(), term) != id.terms.end()) {
        bad("terminal node '" + term + "' may not enter the identity of '" + id.node + "'");
      }
    }
  }
  topological_order(g);  // throws on a cycle
}

std::vector<int> topological_order(const Graph& g) {
  const auto in = inputs(g);
  const auto n = static_cast<int>(g.nodes.size());
  std::vector<int> state(static_cast<std::size_t>(n), 0);  // 0 new, 1 on the stack, 2 done
  std::vector<int> order;
  std::vector<int> path;
  const std::function<void(int)> visit = [&](int v) {
    if (state[static_cast<std::size_t>(v)] == 2) return;
    if (state[static_cast<std::size_t>(v)] == 1) {
      std::string cycle;
      const auto start = std::find(path.begin(), path.end(), v);
      for (auto it = start; it != path.end(); ++it)
        cycle += g.nodes[static_cast<std::size_t>(*it)] + " -> ";
      bad("cycle " + cycle + g.nodes[static_cast<std::size_t>(v)]);
    }
    state[static_cast<std::size_t>(v)] = 1;
    path.push_back(v);
    for (const int p : in[static_cast<std::size_t>(v)]) visit(p);
    path.pop_back();
    state[static_cast<std::size_t>(v)] = 2;
    order.push_back(v);
  };
  for (int v = 0; v < n; ++v) visit(v);
  return order;
}

namespace {

// Equation-by-equation least squares; with weights w_t (rows 1..T-1) weighted least squares: each
// row of X and y scaled by sqrt(w_t), the HAC covariance of the scaled problem (the sandwich of
// the weighted score; Newey & West 1987 on the weighted residuals).
Fitted fit_rows(const Graph& graph, const Matrix& data, int hac_lag, const Vector* weights,
                const std::string& what) {
  validate(graph);
  check_arg(data.cols() == static_cast<Eigen::Index>(graph.nodes.size()), "data",
            "needs one column per node");
  if (!data.allFinite())
    throw Error(ErrorCode::kDataError, "scm data: missing or non-finite values");
  const Eigen::Index T = data.rows() - 1;
  Fitted out;
  out.graph = graph;
  out.hac_lag = hac_lag >= 0 ? hac_lag : causal::newey_west_lag(T);
  Vector root;
  if (weights) {
    check_arg(weights->size() == data.rows(), "weights", "needs one weight per data row");
    if (!weights->allFinite() || (weights->array() < 0).any())
      throw Error(ErrorCode::kDataError, "scm " + what + ": weights must be finite and >= 0");
    root = weights->tail(T).array().sqrt().matrix();
  }
  for (const auto& e : graph.equations) {
    const int y = node_index(graph, e.node);
    const Eigen::Index k = 1 + (e.own_lag ? 1 : 0) + static_cast<Eigen::Index>(e.parents.size());
    if (T <= k + 2)
      throw Error(ErrorCode::kDataError, "scm data: too few rows to estimate '" + e.node + "'");
    if (weights && root.squaredNorm() <= static_cast<double>(k + 2)) {
      throw Error(ErrorCode::kDataError,
                  "scm " + what + ": an effective sample of " + std::to_string(root.squaredNorm()) +
                      " days (the sum of its probabilities) is too small to estimate '" + e.node +
                      "'");
    }
    Matrix X(T, k);
    X.col(0).setOnes();
    Eigen::Index c = 1;
    if (e.own_lag) X.col(c++) = data.col(y).head(T);
    for (const auto& p : e.parents) X.col(c++) = data.col(node_index(graph, p)).tail(T);
    Vector target = data.col(y).tail(T);
    const Vector unweighted = target;
    if (weights) {
      X = root.asDiagonal() * X;
      target = root.asDiagonal() * target;
    }
    const auto fit =
        causal::ols_with_covariance(X, target, causal::StandardError::kHac, out.hac_lag);
    FittedEquation f;
    f.node = e.node;
    f.parents = e.parents;
    f.intercept = fit.coefficients(0);
    c = 1;
    if (e.own_lag) f.phi = fit.coefficients(c++);
    for (std::size_t j = 0; j < e.parents.size(); ++j) f.beta.push_back(fit.coefficients(c++));
    f.covariance = fit.covariance;
    const Vector& u = fit.residuals;
    if (!weights) {
      f.kurtosis = sample_kurtosis(u);
      f.residual_acf1 = first_autocorrelation(u);
      f.squared_acf1 = first_autocorrelation(u.array().square().matrix());
      const double total = (target.array() - target.mean()).square().sum();
      f.r2 = total > 0 ? 1.0 - u.squaredNorm() / total : 0.0;
    } else {
      // Diagnostics of the regime's own days (weight above one half), R2 weighted.
      const Vector w = weights->tail(T);
      Vector own(T);
      Eigen::Index m = 0;
      for (Eigen::Index t = 0; t < T; ++t) {
        if (w(t) > 0.5) own(m++) = u(t) / root(t);  // the unscaled residual y_t - x_t b
      }
      if (m > 2) {
        const Vector ou = own.head(m);
        f.kurtosis = sample_kurtosis(ou);
        f.residual_acf1 = first_autocorrelation(ou);
        f.squared_acf1 = first_autocorrelation(ou.array().square().matrix());
      }
      const double mean = w.dot(unweighted) / w.sum();
      const double total = (w.array() * (unweighted.array() - mean).square()).sum();
      f.r2 = total > 0 ? 1.0 - u.squaredNorm() / total : 0.0;
    }
    out.equations.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Fitted fit(const Graph& graph, const Matrix& data, int hac_lag) {
  return fit_rows(graph, data, hac_lag, nullptr, "data");
}

Fitted fit_weighted(const Graph& graph, const Matrix& data, const Vector& weights, int hac_lag,
                    const std::string& what) {
  return fit_rows(graph, data, hac_lag, &weights, what);
}

namespace {

// The structural part of node's equation at row t given values x (rows t-1 and t).
// `parents`: the column of each of f's parents (looked up once per call of abduct/predict, not per
// row: the bootstrap runs these a thousand times).
double structural(const FittedEquation& f, const std::vector<int>& parents, const Matrix& x,
                  Eigen::Index t, int node) {
  double v = f.intercept;
  if (f.phi != 0.0) v += f.phi * x(t - 1, node);
  for (std::size_t j = 0; j < parents.size(); ++j) v += f.beta[j] * x(t, parents[j]);
  return v;
}

std::vector<int> parent_columns(const Fitted& m, const FittedEquation& f) {
  std::vector<int> out;
  out.reserve(f.parents.size());
  for (const auto& p : f.parents) out.push_back(node_index(m.graph, p));
  return out;
}

}  // namespace

namespace {

// Row t's fit: fits[path[t]], or fits[0] without a path.
void check_path(const std::vector<const Fitted*>& fits, const std::vector<int>* path,
                Eigen::Index rows) {
  check_arg(!fits.empty(), "fits", "needs at least one fitted model");
  if (!path) return;
  check_arg(static_cast<Eigen::Index>(path->size()) == rows, "path",
            "needs one regime per data row");
  for (const int k : *path)
    check_arg(k >= 0 && k < static_cast<int>(fits.size()), "path", "regime outside 0..K-1");
  for (const auto* f : fits)
    check_arg(f->graph.nodes == fits.front()->graph.nodes &&
                  f->equations.size() == fits.front()->equations.size(),
              "fits", "must share one graph");
}

Matrix abduct_rows(const std::vector<const Fitted*>& fits, const std::vector<int>* path,
                   const Matrix& data) {
  check_path(fits, path, data.rows());
  const Fitted& first = *fits.front();
  Matrix u = Matrix::Zero(data.rows(), data.cols());
  for (std::size_t e = 0; e < first.equations.size(); ++e) {
    const int node = node_index(first.graph, first.equations[e].node);
    const auto parents = parent_columns(first, first.equations[e]);
    for (Eigen::Index t = 1; t < data.rows(); ++t) {
      const auto& f =
          fits[path ? static_cast<std::size_t>((*path)[static_cast<std::size_t>(t)]) : 0]
              ->equations[e];
      u(t, node) = data(t, node) - structural(f, parents, data, t, node);
    }
  }
  return u;
}

}  // namespace

Matrix abduct(const Fitted& model, const Matrix& data) {
  return abduct_rows({&model}, nullptr, data);
}

Matrix abduct(const std::vector<Fitted>& fits, const std::vector<int>& path, const Matrix& data) {
  std::vector<const Fitted*> p;
  p.reserve(fits.size());
  for (const auto& f : fits) p.push_back(&f);
  return abduct_rows(p, &path, data);
}

Matrix to_levels(const Matrix& changes, const Levels& levels) {
  const auto n = changes.cols();
  check_arg(static_cast<Eigen::Index>(levels.transform.size()) == n && levels.start.size() == n,
            "levels", "needs one transform and one start level per node");
  Matrix out(changes.rows(), n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const bool log = levels.transform[static_cast<std::size_t>(j)] == Transform::kLogReturn;
    double level = log ? std::log(levels.start(j)) : levels.start(j);
    for (Eigen::Index t = 0; t < changes.rows(); ++t) {
      if (t > 0) level += changes(t, j);
      out(t, j) = log ? std::exp(level) : level;
    }
  }
  return out;
}

std::vector<PreparedIntervention> prepare_interventions(
    const Graph& g, const std::vector<Intervention>& interventions, const Levels& levels,
    Eigen::Index last_row) {
  std::vector<PreparedIntervention> out;
  for (const auto& iv : interventions) {
    const int node = node_index(g, iv.node);
    for (const auto& id : g.identities) {
      if (id.node == iv.node) {
        throw Error(ErrorCode::kInvalidArgument,
                    "intervention on '" + iv.node + "': it is defined by an identity (" + iv.node +
                        " = sum of its terms); intervene on a term instead");
      }
    }
    if (iv.from < 1 || iv.to < iv.from || iv.to > last_row) {
      throw Error(ErrorCode::kInvalidArgument,
                  "intervention on '" + iv.node + "': rows " + std::to_string(iv.from) + ".." +
                      std::to_string(iv.to) + " are outside the data (1.." +
                      std::to_string(last_row) + ")");
    }
    const bool log = levels.transform[static_cast<std::size_t>(node)] == Transform::kLogReturn;
    PreparedIntervention::Window w{.from = iv.from, .to = iv.to, .shift = iv.shift};
    if (log) {
      if ((iv.shift && !(iv.value > -1.0)) || (!iv.shift && !(iv.value > 0.0))) {
        throw Error(ErrorCode::kInvalidArgument,
                    "intervention on '" + iv.node + "': a return node's level must stay positive");
      }
      w.value = iv.shift ? std::log1p(iv.value) : std::log(iv.value);
    } else {
      w.value = iv.value;
    }
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.node == node; });
    if (it == out.end()) {
      out.push_back({.node = node});
      it = out.end() - 1;
    }
    for (const auto& other : it->windows) {
      if (w.from <= other.to && other.from <= w.to) {
        throw Error(ErrorCode::kInvalidArgument, "interventions on '" + iv.node + "' overlap");
      }
    }
    it->windows.push_back(w);
    it->from = it->windows.size() == 1 ? w.from : std::min(it->from, w.from);
  }
  return out;
}

namespace {

Matrix predict_rows(const std::vector<const Fitted*>& fits, const std::vector<int>* path,
                    const Matrix& factual, const Matrix& shocks,
                    const std::vector<Intervention>& interventions, const Levels& levels) {
  check_path(fits, path, factual.rows());
  const auto& g = fits.front()->graph;
  const auto n = static_cast<Eigen::Index>(g.nodes.size());
  check_arg(factual.cols() == n && shocks.rows() == factual.rows() && shocks.cols() == n, "predict",
            "factual data and shocks must be T x nodes");
  check_arg(static_cast<Eigen::Index>(levels.transform.size()) == n && levels.start.size() == n,
            "levels", "needs one transform and one start level per node");
  const auto prepared = prepare_interventions(g, interventions, levels, factual.rows() - 1);
  std::vector<const PreparedIntervention*> intervention_of(g.nodes.size(), nullptr);
  for (const auto& p : prepared) intervention_of[static_cast<std::size_t>(p.node)] = &p;
  // equation_of[k][node]: regime k's equation of the node.
  std::vector<std::vector<const FittedEquation*>> equation_of(
      fits.size(), std::vector<const FittedEquation*>(g.nodes.size(), nullptr));
  std::vector<std::vector<int>> parents_of(g.nodes.size());
  for (std::size_t k = 0; k < fits.size(); ++k) {
    for (const auto& f : fits[k]->equations) {
      equation_of[k][static_cast<std::size_t>(node_index(g, f.node))] = &f;
      parents_of[static_cast<std::size_t>(node_index(g, f.node))] = parent_columns(*fits[k], f);
    }
  }
  std::vector<const Identity*> identity_of(g.nodes.size(), nullptr);
  for (const auto& id : g.identities)
    identity_of[static_cast<std::size_t>(node_index(g, id.node))] = &id;
  const auto order = topological_order(g);
  // Log levels (natural levels for change nodes) of the factual path and of the counterfactual.
  RowVector base(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    base(j) = levels.transform[static_cast<std::size_t>(j)] == Transform::kLogReturn
                  ? std::log(levels.start(j))
                  : levels.start(j);
  }
  RowVector level = base;
  std::vector<std::vector<int>> terms_of(g.nodes.size());
  for (const auto& id : g.identities) {
    for (const auto& term : id.terms)
      terms_of[static_cast<std::size_t>(node_index(g, id.node))].push_back(node_index(g, term));
  }
  Matrix x = factual;  // row 0 stays factual
  RowVector base_before(n);
  for (Eigen::Index t = 1; t < x.rows(); ++t) {
    const auto& equations =
        equation_of[path ? static_cast<std::size_t>((*path)[static_cast<std::size_t>(t)]) : 0];
    base_before = base;
    base += factual.row(t);
    for (const int node : order) {
      const auto i = static_cast<std::size_t>(node);
      if (const auto* iv = intervention_of[i]; iv && t >= iv->from) {
        const double target = iv->target(t, base(node));
        // Back on the factual path from the factual level: the factual change itself, exactly.
        x(t, node) = (target == base(node) && level(node) == base_before(node))
                         ? factual(t, node)
                         : target - level(node);
        level(node) = target;
        continue;
      }
      if (identity_of[i]) {
        double sum = 0;
        for (const int term : terms_of[i]) sum += x(t, term);
        x(t, node) = sum;
      } else {
        const auto& f = *equations[i];
        const auto& parents = parents_of[i];
        const double now = structural(f, parents, x, t, node);
        // The same inputs as in the factual world give the factual value itself: f + (x - f)
        // need not round back to x, and do(X = observed X) must reproduce the data exactly.
        const double then = structural(f, parents, factual, t, node);
        x(t, node) = now == then ? factual(t, node) : now + shocks(t, node);
      }
      level(node) = x(t, node) == factual(t, node) && level(node) == base_before(node)
                        ? base(node)
                        : level(node) + x(t, node);
    }
  }
  return x;
}

}  // namespace

Matrix predict(const Fitted& model, const Matrix& factual, const Matrix& shocks,
               const std::vector<Intervention>& interventions, const Levels& levels) {
  return predict_rows({&model}, nullptr, factual, shocks, interventions, levels);
}

Matrix predict(const std::vector<Fitted>& fits, const std::vector<int>& path, const Matrix& factual,
               const Matrix& shocks, const std::vector<Intervention>& interventions,
               const Levels& levels) {
  std::vector<const Fitted*> p;
  p.reserve(fits.size());
  for (const auto& f : fits) p.push_back(&f);
  return predict_rows(p, &path, factual, shocks, interventions, levels);
}

}  // namespace mre::scm
