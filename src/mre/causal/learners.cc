// OLS (column-pivoted QR, refusing collinear designs), ridge, lasso (coordinate descent with a
// cross-validated penalty), logistic regression (Newton's method).
#include "mre/causal/learners.h"

#include <Eigen/Cholesky>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "mre/causal/folds.h"
#include "mre/causal/forest.h"
#include "mre/causal/xgboost_learners.h"
#include "mre/core/check.h"
#include "mre/core/error.h"

namespace mre::causal {
namespace {

void check_xy(const Matrix& X, const Vector& y, const std::string& learner) {
  check_arg(X.rows() == y.size(), learner, "X and y must have the same number of rows");
  check_arg(X.rows() >= 2, learner, "needs at least two rows");
  if (!X.allFinite() || !y.allFinite()) {
    throw Error(ErrorCode::kDataError, learner + ": X and y must be finite (no missing values)");
  }
}

// Column means and root-mean-square deviations. A column (nearly) constant in the training
// rows keeps scale 1: dividing by a tiny spread (a regime probability of 1e-14 throughout one
// fold) would turn the next fold's ordinary values into numbers of order 1e13, and the
// predictions with them.
struct Standardiser {
  RowVector mean;
  RowVector scale;
  explicit Standardiser(const Matrix& X) {
    mean = X.colwise().mean();
    scale = ((X.rowwise() - mean).array().square().colwise().mean()).sqrt().matrix();
    for (Eigen::Index j = 0; j < scale.size(); ++j) {
      if (!(scale(j) > 1e-6 * std::max(1.0, std::abs(mean(j))))) scale(j) = 1.0;
    }
  }
  Matrix apply(const Matrix& X) const {
    return (X.rowwise() - mean).array().rowwise() / scale.array();
  }
};

// The standardiser a fit set: predicting before fitting is the caller's error, named.
const Standardiser& fitted(const std::optional<Standardiser>& s, const char* learner) {
  if (!s)
    throw Error(ErrorCode::kInvalidArgument, std::string(learner) + ": predict called before fit");
  return *s;
}

class Ols final : public Regressor {
 public:
  void fit(const Matrix& X, const Vector& y) override {
    check_xy(X, y, "ols");
    Matrix design(X.rows(), X.cols() + 1);
    design.col(0).setOnes();
    design.rightCols(X.cols()) = X;
    Eigen::ColPivHouseholderQR<Matrix> qr(design);
    // Rank with a relative threshold: collinear controls make the coefficients meaningless.
    qr.setThreshold(1e-10);
    if (qr.rank() < design.cols()) {
      throw Error(ErrorCode::kDataError,
                  "ols: the controls are collinear (rank " + std::to_string(qr.rank()) + " of " +
                      std::to_string(design.cols()) +
                      " with the intercept); drop a control or use --learner ridge");
    }
    beta_ = qr.solve(y);
  }
  Vector predict(const Matrix& X) const override {
    return (X * beta_.tail(beta_.size() - 1)).array() + beta_(0);
  }
  std::string name() const override { return "ols"; }
  std::unique_ptr<Regressor> fresh() const override { return std::make_unique<Ols>(); }

 private:
  Vector beta_;
};

// The baseline every nuisance learner must beat: the training mean, whatever X says.
class Constant final : public Regressor {
 public:
  void fit(const Matrix& X, const Vector& y) override {
    check_xy(X, y, "constant");
    mean_ = y.mean();
  }
  Vector predict(const Matrix& X) const override { return Vector::Constant(X.rows(), mean_); }
  std::string name() const override { return "constant"; }
  std::unique_ptr<Regressor> fresh() const override { return std::make_unique<Constant>(); }

 private:
  double mean_ = 0.0;
};

class Ridge final : public Regressor {
 public:
  explicit Ridge(double alpha) : alpha_(alpha) {
    check_arg(alpha >= 0, "ridge_alpha", "must be >= 0");
  }
  void fit(const Matrix& X, const Vector& y) override {
    check_xy(X, y, "ridge");
    standardiser_ = Standardiser(X);
    const Matrix Z = standardiser_->apply(X);
    intercept_ = y.mean();
    const Vector yc = y.array() - intercept_;
    Matrix gram = Z.transpose() * Z;
    gram.diagonal().array() += alpha_;
    beta_ = gram.ldlt().solve(Z.transpose() * yc);
  }
  Vector predict(const Matrix& X) const override {
    return (fitted(standardiser_, "ridge").apply(X) * beta_).array() + intercept_;
  }
  std::string name() const override { return "ridge"; }
  std::unique_ptr<Regressor> fresh() const override { return std::make_unique<Ridge>(alpha_); }

 private:
  double alpha_;
  std::optional<Standardiser> standardiser_;
  double intercept_ = 0.0;
  Vector beta_;
};

class Lasso final : public Regressor {
 public:
  explicit Lasso(const LearnerOptions& o) : options_(o) {}
  void fit(const Matrix& X, const Vector& y) override {
    check_xy(X, y, "lasso");
    const Eigen::Index n = X.rows();
    standardiser_ = Standardiser(X);
    const Matrix Z = standardiser_->apply(X);
    intercept_ = y.mean();
    const Vector yc = y.array() - intercept_;
    const double lambda_max = (Z.transpose() * yc).cwiseAbs().maxCoeff() / static_cast<double>(n);
    std::vector<double> path;
    const int m = std::max(2, options_.lasso_path);
    path.reserve(static_cast<std::size_t>(m));
    for (int i = 0; i < m; ++i) {
      path.push_back(std::max(lambda_max, 1e-300) *
                     std::pow(1e-3, static_cast<double>(i) / (m - 1)));
    }
    // Contiguous folds (time order kept); the penalty with the least mean squared error wins.
    const int k = static_cast<int>(std::min<Eigen::Index>(options_.lasso_folds, n / 2));
    std::vector<double> error(path.size(), 0.0);
    if (k >= 2) {
      for (const auto& fold : contiguous_folds(n, k, 0)) {
        const Matrix Xtr = take_rows(X, fold.train);
        const Vector ytr = take_rows(y, fold.train);
        const Standardiser s(Xtr);
        const Matrix Ztr = s.apply(Xtr);
        const double b0 = ytr.mean();
        const Vector yctr = ytr.array() - b0;
        const Matrix Zte = s.apply(take_rows(X, fold.test));
        const Vector yte = take_rows(y, fold.test);
        Vector beta = Vector::Zero(X.cols());
        for (std::size_t i = 0; i < path.size(); ++i) {
          beta = lasso_coordinate_descent(Ztr, yctr, path[i], beta, options_.lasso_tol,
                                          options_.lasso_max_iter);
          error[i] += ((Zte * beta).array() + b0 - yte.array()).square().sum();
        }
      }
    }
    const auto best =
        static_cast<std::size_t>(std::min_element(error.begin(), error.end()) - error.begin());
    lambda_ = path[best];
    beta_ = Vector::Zero(X.cols());
    for (std::size_t i = 0; i <= best; ++i) {  // warm starts down the path
      beta_ = lasso_coordinate_descent(Z, yc, path[i], beta_, options_.lasso_tol,
                                       options_.lasso_max_iter);
    }
  }
  Vector predict(const Matrix& X) const override {
    return (fitted(standardiser_, "lasso").apply(X) * beta_).array() + intercept_;
  }
  std::string name() const override { return "lasso"; }
  std::unique_ptr<Regressor> fresh() const override { return std::make_unique<Lasso>(options_); }
  double lambda() const { return lambda_; }

 private:
  LearnerOptions options_;
  std::optional<Standardiser> standardiser_;
  double intercept_ = 0.0;
  double lambda_ = 0.0;
  Vector beta_;
};

// "forest": depth 6 (panel sizes, a few hundred months); "forest_deep": depth 10 with leaves of
// at least 5 bootstrap draws, for samples in the thousands where depth 6 underfits a smooth
// nonlinearity. Learner selection chooses between them by out-of-fold R^2.
class Forest final : public Regressor {
 public:
  Forest(const LearnerOptions& o, bool deep) : options_(o), deep_(deep) {}
  void fit(const Matrix& X, const Vector& y) override {
    check_xy(X, y, name());
    forest_ = RandomForest({.trees = 100,
                            .max_depth = deep_ ? 10 : 6,
                            .min_leaf_weight = deep_ ? 5.0 : 1.0,
                            .seed = options_.seed});
    forest_.fit(X, y);
  }
  Vector predict(const Matrix& X) const override { return forest_.predict(X); }
  std::string name() const override { return deep_ ? "forest_deep" : "forest"; }
  std::unique_ptr<Regressor> fresh() const override {
    return std::make_unique<Forest>(options_, deep_);
  }

 private:
  LearnerOptions options_;
  bool deep_ = false;
  RandomForest forest_;
};

// A probability forest: the regression forest on the 0/1 labels, kept inside [0.01, 0.99].
class ForestClassifier final : public Classifier {
 public:
  explicit ForestClassifier(const LearnerOptions& o) : forest_(o, false) {}
  void fit(const Matrix& X, const Vector& y) override {
    for (Eigen::Index i = 0; i < y.size(); ++i) {
      if (y(i) != 0.0 && y(i) != 1.0)
        throw Error(ErrorCode::kDataError, "forest: the treatment must be 0 or 1");
    }
    forest_.fit(X, y);
  }
  Vector predict_probability(const Matrix& X) const override {
    return forest_.predict(X).cwiseMax(0.01).cwiseMin(0.99);
  }
  std::string name() const override { return "forest"; }
  std::unique_ptr<Classifier> fresh() const override {
    return std::make_unique<ForestClassifier>(*this);
  }

 private:
  Forest forest_;
};

class Logistic final : public Classifier {
 public:
  void fit(const Matrix& X, const Vector& y) override {
    check_xy(X, y, "logistic");
    for (Eigen::Index i = 0; i < y.size(); ++i) {
      if (y(i) != 0.0 && y(i) != 1.0)
        throw Error(ErrorCode::kDataError, "logistic: the treatment must be 0 or 1");
    }
    if (y.sum() == 0 || y.sum() == static_cast<double>(y.size())) {
      throw Error(ErrorCode::kDataError,
                  "logistic: the treatment takes one value only; nothing to classify");
    }
    standardiser_ = Standardiser(X);
    Matrix design(X.rows(), X.cols() + 1);
    design.col(0).setOnes();
    design.rightCols(X.cols()) = standardiser_->apply(X);
    beta_ = Vector::Zero(design.cols());
    // Newton's method with a tiny ridge (1e-6 on the slopes) so separable data stays finite.
    for (int iteration = 0; iteration < 100; ++iteration) {
      const Vector p = probabilities(design);
      const Vector w = (p.array() * (1.0 - p.array())).max(1e-12);
      Vector gradient = design.transpose() * (y - p);
      Matrix hessian = design.transpose() * w.asDiagonal() * design;
      gradient.tail(X.cols()) -= 1e-6 * beta_.tail(X.cols());
      hessian.diagonal().tail(X.cols()).array() += 1e-6;
      const Vector step = hessian.ldlt().solve(gradient);
      beta_ += step;
      if (step.cwiseAbs().maxCoeff() < 1e-10) break;
    }
  }
  Vector predict_probability(const Matrix& X) const override {
    Matrix design(X.rows(), X.cols() + 1);
    design.col(0).setOnes();
    design.rightCols(X.cols()) = fitted(standardiser_, "logistic").apply(X);
    return probabilities(design);
  }
  std::string name() const override { return "logistic"; }
  std::unique_ptr<Classifier> fresh() const override { return std::make_unique<Logistic>(); }

 private:
  Vector probabilities(const Matrix& design) const {
    return (1.0 / (1.0 + (-(design * beta_).array()).exp())).matrix();
  }
  std::optional<Standardiser> standardiser_;
  Vector beta_;
};

}  // namespace

Vector lasso_coordinate_descent(const Matrix& X, const Vector& y, double lambda,
                                const Vector& start, double tol, int max_iter) {
  const auto n = static_cast<double>(X.rows());
  Vector beta = start;
  Vector residual = y - X * beta;
  const Vector norms = X.colwise().squaredNorm().transpose() / n;
  for (int iteration = 0; iteration < max_iter; ++iteration) {
    double largest = 0;
    for (Eigen::Index j = 0; j < X.cols(); ++j) {
      if (!(norms(j) > 0)) continue;
      const double old = beta(j);
      const double rho = X.col(j).dot(residual) / n + norms(j) * old;
      const double updated = std::copysign(std::max(std::abs(rho) - lambda, 0.0), rho) / norms(j);
      if (updated != old) {
        residual -= (updated - old) * X.col(j);
        beta(j) = updated;
        largest = std::max(largest, std::abs(updated - old));
      }
    }
    if (largest < tol) break;
  }
  return beta;
}

std::vector<std::string> regressor_names() {
  return {"constant", "ols", "ridge", "lasso", "forest", "forest_deep", "boosting", "xgb_forest"};
}
std::vector<std::string> classifier_names() { return {"logistic", "forest", "boosting"}; }

std::unique_ptr<Regressor> make_regressor(const std::string& name, const LearnerOptions& options) {
  if (name == "ols") return std::make_unique<Ols>();
  if (name == "constant") return std::make_unique<Constant>();
  if (name == "ridge") return std::make_unique<Ridge>(options.ridge_alpha);
  if (name == "lasso") return std::make_unique<Lasso>(options);
  if (name == "forest") return std::make_unique<Forest>(options, false);
  if (name == "forest_deep") return std::make_unique<Forest>(options, true);
  if (name == "boosting") return make_xgboost_regressor("boosting", options);
  if (name == "xgb_forest") return make_xgboost_regressor("forest", options);
  std::string known;
  for (const auto& n : regressor_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error(ErrorCode::kInvalidArgument,
              "learner: unknown regressor '" + name + "' (known: " + known + ")");
}

std::unique_ptr<Classifier> make_classifier(const std::string& name,
                                            const LearnerOptions& options) {
  if (name == "logistic") return std::make_unique<Logistic>();
  if (name == "forest") return std::make_unique<ForestClassifier>(options);
  if (name == "boosting") return make_xgboost_classifier("boosting", options);
  throw Error(ErrorCode::kInvalidArgument,
              "learner: unknown classifier '" + name + "' (known: logistic, forest, boosting)");
}

}  // namespace mre::causal
