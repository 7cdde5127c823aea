// See xgboost_learners.h.
#include "mre/causal/xgboost_learners.h"

#include <xgboost/c_api.h>

#include <cmath>
#include <string>
#include <vector>

#include "mre/core/error.h"

namespace mre::causal {
namespace {

void call(int rc, const char* what) {
  if (rc != 0)
    throw Error(ErrorCode::kInternal, std::string("xgboost ") + what + ": " + XGBGetLastError());
}

// Row-major float copy, as XGBoost takes it.
std::vector<float> row_major(const Matrix& X) {
  std::vector<float> out(static_cast<std::size_t>(X.rows() * X.cols()));
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    for (Eigen::Index j = 0; j < X.cols(); ++j)
      out[static_cast<std::size_t>(i * X.cols() + j)] = static_cast<float>(X(i, j));
  }
  return out;
}

class Data {
 public:
  explicit Data(const Matrix& X) {
    const auto values = row_major(X);
    call(XGDMatrixCreateFromMat(values.data(), static_cast<bst_ulong>(X.rows()),
                                static_cast<bst_ulong>(X.cols()), std::nanf(""), &handle_),
         "DMatrix");
  }
  ~Data() { XGDMatrixFree(handle_); }
  Data(const Data&) = delete;
  Data& operator=(const Data&) = delete;
  DMatrixHandle handle() const { return handle_; }
  void set_labels(const Vector& y) {
    std::vector<float> labels(static_cast<std::size_t>(y.size()));
    for (Eigen::Index i = 0; i < y.size(); ++i)
      labels[static_cast<std::size_t>(i)] = static_cast<float>(y(i));
    call(XGDMatrixSetFloatInfo(handle_, "label", labels.data(),
                               static_cast<bst_ulong>(labels.size())),
         "labels");
  }

 private:
  DMatrixHandle handle_ = nullptr;
};

class Booster {
 public:
  Booster() = default;
  ~Booster() {
    if (handle_) XGBoosterFree(handle_);
  }
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;

  // Fits on (X, y) with the kind's parameters; `logistic` for a probability model.
  void fit(const Matrix& X, const Vector& y, const std::string& kind, bool logistic,
           const LearnerOptions& o) {
    if (!X.allFinite() || !y.allFinite()) {
      throw Error(ErrorCode::kDataError, kind + ": X and y must be finite (no missing values)");
    }
    if (handle_) {
      XGBoosterFree(handle_);
      handle_ = nullptr;
    }
    Data train(X);
    train.set_labels(y);
    const DMatrixHandle matrices[] = {train.handle()};
    call(XGBoosterCreate(matrices, 1, &handle_), "create");
    const auto set = [&](const char* key, const std::string& value) {
      call(XGBoosterSetParam(handle_, key, value.c_str()), key);
    };
    set("nthread", "1");
    set("seed", std::to_string(o.seed));
    set("verbosity", "0");
    set("tree_method", "hist");
    // 32 histogram bins per feature: monthly macro samples have hundreds of rows, and the
    // split search over the default 256 bins was 90% of the fit time.
    set("max_bin", "32");
    set("objective", logistic ? "binary:logistic" : "reg:squarederror");
    int rounds = 0;
    if (kind == "forest") {
      // A random forest: one round, 100 trees on 63.2% row subsamples (about what a bootstrap
      // sample holds), every feature at each split (scikit-learn's default for regression),
      // full-size leaves (no shrinkage, no L2 on leaf weights).
      set("num_parallel_tree", "100");
      set("subsample", "0.632");
      set("colsample_bynode", "1");
      set("eta", "1");
      set("lambda", "0");
      set("max_depth", "6");
      set("min_child_weight", "1");
      rounds = 1;
    } else {
      set("eta", "0.05");
      set("max_depth", "3");
      set("subsample", "0.8");
      rounds = 200;
    }
    for (int i = 0; i < rounds; ++i)
      call(XGBoosterUpdateOneIter(handle_, i, train.handle()), "update");
  }

  Vector predict(const Matrix& X) const {
    Data data(X);
    bst_ulong length = 0;
    const float* result = nullptr;
    call(XGBoosterPredict(handle_, data.handle(), 0, 0, 0, &length, &result), "predict");
    Vector out(static_cast<Eigen::Index>(length));
    for (bst_ulong i = 0; i < length; ++i) out(static_cast<Eigen::Index>(i)) = result[i];
    return out;
  }

 private:
  BoosterHandle handle_ = nullptr;
};

class TreeRegressor final : public Regressor {
 public:
  TreeRegressor(std::string kind, LearnerOptions o) : kind_(std::move(kind)), options_(o) {}
  void fit(const Matrix& X, const Vector& y) override {
    booster_ = std::make_unique<Booster>();
    booster_->fit(X, y, kind_, false, options_);
  }
  Vector predict(const Matrix& X) const override { return booster_->predict(X); }
  std::string name() const override { return kind_; }
  std::unique_ptr<Regressor> fresh() const override {
    return std::make_unique<TreeRegressor>(kind_, options_);
  }

 private:
  std::string kind_;
  LearnerOptions options_;
  std::unique_ptr<Booster> booster_;
};

class TreeClassifier final : public Classifier {
 public:
  TreeClassifier(std::string kind, LearnerOptions o) : kind_(std::move(kind)), options_(o) {}
  void fit(const Matrix& X, const Vector& y) override {
    for (Eigen::Index i = 0; i < y.size(); ++i) {
      if (y(i) != 0.0 && y(i) != 1.0)
        throw Error(ErrorCode::kDataError, kind_ + ": the treatment must be 0 or 1");
    }
    booster_ = std::make_unique<Booster>();
    booster_->fit(X, y, kind_, true, options_);
  }
  Vector predict_probability(const Matrix& X) const override {
    // Keep propensities away from 0 and 1 (a forest can put a leaf at exactly 0 or 1).
    return booster_->predict(X).cwiseMax(0.01).cwiseMin(0.99);
  }
  std::string name() const override { return kind_; }
  std::unique_ptr<Classifier> fresh() const override {
    return std::make_unique<TreeClassifier>(kind_, options_);
  }

 private:
  std::string kind_;
  LearnerOptions options_;
  std::unique_ptr<Booster> booster_;
};

}  // namespace

std::unique_ptr<Regressor> make_xgboost_regressor(const std::string& kind,
                                                  const LearnerOptions& options) {
  return std::make_unique<TreeRegressor>(kind, options);
}

std::unique_ptr<Classifier> make_xgboost_classifier(const std::string& kind,
                                                    const LearnerOptions& options) {
  return std::make_unique<TreeClassifier>(kind, options);
}

}  // namespace mre::causal
