// Nuisance learners for DML and the X-learner behind one small interface, with an explicit
// registry (make_regressor / make_classifier by name). Rows are observations.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mre/core/linalg.h"

namespace mre::causal {

struct LearnerOptions {
  double ridge_alpha = 1.0;  // ridge: penalty on the standardised coefficients
  int lasso_folds = 5;       // lasso: contiguous CV folds choosing the penalty
  int lasso_path = 50;       // lasso: penalties from lambda_max down to lambda_max * 1e-3
  double lasso_tol = 1e-7;   // lasso: coordinate descent stops when no coefficient moves more
  int lasso_max_iter = 10000;
  std::uint64_t seed = 42;
};

class Regressor {
 public:
  virtual ~Regressor() = default;
  // REQUIRES: X n x p, y n, finite. Throws DataError for data the learner cannot fit.
  virtual void fit(const Matrix& X, const Vector& y) = 0;
  virtual Vector predict(const Matrix& X) const = 0;
  virtual std::string name() const = 0;
  // An unfitted learner with the same settings (one per cross-fitting fold).
  virtual std::unique_ptr<Regressor> fresh() const = 0;
};

class Classifier {
 public:
  virtual ~Classifier() = default;
  // REQUIRES: y in {0, 1} with both classes present.
  virtual void fit(const Matrix& X, const Vector& y) = 0;
  virtual Vector predict_probability(const Matrix& X) const = 0;  // P(y = 1 | x)
  virtual std::string name() const = 0;
  virtual std::unique_ptr<Classifier> fresh() const = 0;
};

// "constant" (the training mean: the baseline), "ols", "ridge", "lasso", "forest"
// (causal/forest.h), "boosting" and "xgb_forest" (XGBoost). InvalidArgument naming the learner and
// listing the known ones otherwise.
std::unique_ptr<Regressor> make_regressor(const std::string& name,
                                          const LearnerOptions& options = {});
// "logistic", "forest", "boosting".
std::unique_ptr<Classifier> make_classifier(const std::string& name,
                                            const LearnerOptions& options = {});
std::vector<std::string> regressor_names();
std::vector<std::string> classifier_names();

// The lasso's coefficients for one penalty on already standardised columns (mean 0, mean
// square 1) and centred y: argmin (1 / 2n) |y - X b|^2 + lambda |b|_1 (scikit-learn's Lasso
// objective), by cyclic coordinate descent from `start`.
Vector lasso_coordinate_descent(const Matrix& X, const Vector& y, double lambda,
                                const Vector& start, double tol, int max_iter);

}  // namespace mre::causal
