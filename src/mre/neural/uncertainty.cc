// See uncertainty.h: the scale network, its training and prediction on LibTorch. Part of the
// LibTorch module libmre_torch.so (torch_module.h), reached through its table.
#include "mre/neural/uncertainty.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "mre/core/error.h"
#include "mre/neural/torch_module.h"
#include "mre/neural/torch_weights.h"

namespace mre::neural {

namespace {

namespace nn = torch::nn;

// The seed's UncertaintyEstimator: Linear(F, H), ReLU, Linear(H, 1), Softplus (plus a floor).
struct ScaleNetImpl : nn::Module {
  ScaleNetImpl(int inputs, int hidden_size) {
    hidden = register_module("hidden", nn::Linear(inputs, hidden_size));
    output = register_module("output", nn::Linear(hidden_size, 1));
  }
  // Unit-scale sigma, [B].
  torch::Tensor forward(const torch::Tensor& z) {
    return torch::softplus(output(torch::relu(hidden(z)))).squeeze(1) + 1e-6;
  }
  nn::Linear hidden{nullptr}, output{nullptr};
};
TORCH_MODULE(ScaleNet);

void check_config(const ScaleNetworkConfig& c) {
  const auto bad = [](const std::string& what, double v) {
    throw Error(
        ErrorCode::kInvalidArgument,
        "uncertainty: setting '" + what + "' is out of range (got " + std::to_string(v) + ")");
  };
  if (c.hidden < 1 || c.hidden > 4096) bad("hidden", c.hidden);
  if (c.epochs < 0 || c.epochs > 1'000'000) bad("epochs", c.epochs);
  if (c.patience < 1 || c.patience > 1'000'000) bad("patience", c.patience);
  if (!(c.validation_fraction >= 0.0 && c.validation_fraction < 0.9))
    bad("validation_fraction", c.validation_fraction);
  if (!(c.learning_rate > 0.0 && c.learning_rate < 1.0)) bad("learning_rate", c.learning_rate);
  if (!(c.weight_decay >= 0.0 && c.weight_decay < 1.0)) bad("weight_decay", c.weight_decay);
  if (c.threads < 1 || c.threads > 1024) bad("threads", c.threads);
}

void check_finite_rows(const Matrix& X, const Vector* residual) {
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    for (Eigen::Index j = 0; j < X.cols(); ++j) {
      if (!std::isfinite(X(i, j))) {
        throw Error(ErrorCode::kDataError, "uncertainty: control " + std::to_string(j) +
                                               " of row " + std::to_string(i) +
                                               " is not finite (NaN controls are refused)");
      }
    }
    if (residual && !std::isfinite((*residual)(i))) {
      throw Error(ErrorCode::kDataError,
                  "uncertainty: residual of row " + std::to_string(i) + " is not finite");
    }
  }
}

// Standardised controls as a float tensor [n, F].
torch::Tensor standardised(const Matrix& X, const ScaleModel& m) {
  torch::Tensor z = torch::empty({X.rows(), X.cols()}, torch::kFloat32);
  auto a = z.accessor<float, 2>();
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    for (Eigen::Index j = 0; j < X.cols(); ++j) {
      const auto u = static_cast<std::size_t>(j);
      const double x = std::clamp(X(i, j), m.input_min[u], m.input_max[u]);
      a[i][j] = static_cast<float>((x - m.input_mean[u]) / m.input_sd[u]);
    }
  }
  return z;
}

std::vector<float> flat_weights(const ScaleNet& net) {
  return torch_weights::flatten(net->parameters());
}

void load_weights(ScaleNet& net, const std::vector<float>& weights) {
  torch_weights::load(net->parameters(), weights);
}

// Mean Gaussian NLL (constant dropped) of unit-scale residuals r given unit-scale sigma.
torch::Tensor gaussian_nll(const torch::Tensor& sigma, const torch::Tensor& r) {
  return (torch::log(sigma) + r.pow(2) / (2 * sigma.pow(2))).mean();
}

}  // namespace

namespace torch_module {

ScaleModel train_scale_network(const Matrix& X, const Vector& residual,
                               const ScaleNetworkConfig& config) {
  check_config(config);
  const auto n = X.rows();
  if (residual.size() != n) {
    throw Error(ErrorCode::kInvalidArgument,
                "uncertainty: one residual per row of controls is needed (got " +
                    std::to_string(residual.size()) + " residuals for " + std::to_string(n) +
                    " rows)");
  }
  if (X.cols() < 1) throw Error(ErrorCode::kInvalidArgument, "uncertainty: no controls");
  if (n < 10) {
    throw Error(ErrorCode::kDataError, "uncertainty: " + std::to_string(n) +
                                           " training rows are too few for the scale network "
                                           "(at least 10)");
  }
  check_finite_rows(X, &residual);
  const auto validation =
      static_cast<Eigen::Index>(std::ceil(config.validation_fraction * static_cast<double>(n)));
  const Eigen::Index fit_rows = n - validation;
  if (fit_rows < 5) throw Error(ErrorCode::kDataError, "uncertainty: too few rows to fit on");

  ScaleModel model;
  model.config = config;
  model.inputs = static_cast<int>(X.cols());
  const Matrix Xfit = X.topRows(fit_rows);
  for (Eigen::Index j = 0; j < X.cols(); ++j) {
    const double mean = Xfit.col(j).mean();
    const double sd = std::sqrt((Xfit.col(j).array() - mean).square().mean());
    model.input_mean.push_back(mean);
    model.input_sd.push_back(sd > 0 ? sd : 1.0);
    model.input_min.push_back(Xfit.col(j).minCoeff());
    model.input_max.push_back(Xfit.col(j).maxCoeff());
  }
  model.residual_scale = std::sqrt(residual.head(fit_rows).squaredNorm() / fit_rows);
  if (!(model.residual_scale > 0)) {
    throw Error(ErrorCode::kDataError,
                "uncertainty: the training residuals are all zero (no scale to learn)");
  }

  const auto start = std::chrono::steady_clock::now();
  torch::set_num_threads(config.threads);
  torch::manual_seed(config.seed);
  ScaleNet net(model.inputs, config.hidden);
  const torch::Tensor z = standardised(X, model);
  torch::Tensor r = torch::empty({n}, torch::kFloat32);
  {
    auto a = r.accessor<float, 1>();
    for (Eigen::Index i = 0; i < n; ++i)
      a[i] = static_cast<float>(residual(i) / model.residual_scale);
  }
  const torch::Tensor z_fit = z.narrow(0, 0, fit_rows);
  const torch::Tensor r_fit = r.narrow(0, 0, fit_rows);
  const torch::Tensor z_val = validation > 0 ? z.narrow(0, fit_rows, validation) : z_fit;
  const torch::Tensor r_val = validation > 0 ? r.narrow(0, fit_rows, validation) : r_fit;
  const auto validation_loss = [&] {
    torch::NoGradGuard no_grad;
    return gaussian_nll(net->forward(z_val), r_val).item<double>();
  };
  model.constant_validation_loss = (r_val.pow(2) / 2).mean().item<double>();
  torch::optim::Adam optimizer(
      net->parameters(),
      torch::optim::AdamOptions(config.learning_rate).weight_decay(config.weight_decay));
  double best = validation_loss();
  std::vector<float> best_weights = flat_weights(net);
  int since_best = 0;
  for (int epoch = 1; epoch <= config.epochs; ++epoch) {
    const torch::Tensor loss = gaussian_nll(net->forward(z_fit), r_fit);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    model.epochs_run = epoch;
    const double v = validation_loss();
    if (v < best) {
      best = v;
      best_weights = flat_weights(net);
      model.best_epoch = epoch;
      since_best = 0;
    } else if (validation > 0 && ++since_best >= config.patience) {
      break;
    }
  }
  model.validation_loss = best;
  model.weights = std::move(best_weights);
  model.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return model;
}

Vector predict_scale(const ScaleModel& model, const Matrix& X) {
  check_config(model.config);
  if (model.inputs < 1 ||
      model.weights.size() != scale_parameter_count(model.inputs, model.config.hidden) ||
      model.input_mean.size() != static_cast<std::size_t>(model.inputs) ||
      model.input_sd.size() != model.input_mean.size() ||
      model.input_min.size() != model.input_mean.size() ||
      model.input_max.size() != model.input_mean.size() || !(model.residual_scale > 0)) {
    throw Error(ErrorCode::kDataError,
                "uncertainty: the scale model does not fit its sizes (" +
                    std::to_string(model.weights.size()) + " weights, " +
                    std::to_string(scale_parameter_count(model.inputs, model.config.hidden)) +
                    " expected)");
  }
  if (X.cols() != model.inputs) {
    throw Error(ErrorCode::kInvalidArgument, "uncertainty: the scale model takes " +
                                                 std::to_string(model.inputs) + " controls (got " +
                                                 std::to_string(X.cols()) + ")");
  }
  check_finite_rows(X, nullptr);
  torch::NoGradGuard no_grad;
  ScaleNet net(model.inputs, model.config.hidden);
  load_weights(net, model.weights);
  net->eval();
  const torch::Tensor sigma = net->forward(standardised(X, model)).contiguous();
  auto a = sigma.accessor<float, 1>();
  Vector out(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    out(i) = static_cast<double>(a[i]) * model.residual_scale;
  return out;
}

OutOfFoldScale out_of_fold_scale(const Matrix& X, const Vector& residual,
                                 const std::vector<ScaleFold>& folds,
                                 const ScaleNetworkConfig& config) {
  if (residual.size() != X.rows())
    throw Error(ErrorCode::kInvalidArgument, "uncertainty: one residual per row is needed");
  OutOfFoldScale out;
  out.sigma = Vector::Constant(X.rows(), std::numeric_limits<double>::quiet_NaN());
  for (const auto& fold : folds) {
    Matrix Xtr(static_cast<Eigen::Index>(fold.train.size()), X.cols());
    Vector rtr(Xtr.rows());
    for (std::size_t i = 0; i < fold.train.size(); ++i) {
      const auto row = fold.train[i];
      if (row < 0 || row >= X.rows())
        throw Error(ErrorCode::kInvalidArgument, "uncertainty: a fold's row is out of range");
      Xtr.row(static_cast<Eigen::Index>(i)) = X.row(row);
      rtr(static_cast<Eigen::Index>(i)) = residual(row);
    }
    Matrix Xte(static_cast<Eigen::Index>(fold.test.size()), X.cols());
    for (std::size_t i = 0; i < fold.test.size(); ++i) {
      const auto row = fold.test[i];
      if (row < 0 || row >= X.rows())
        throw Error(ErrorCode::kInvalidArgument, "uncertainty: a fold's row is out of range");
      Xte.row(static_cast<Eigen::Index>(i)) = X.row(row);
    }
    out.models.push_back(torch_module::train_scale_network(Xtr, rtr, config));
    const Vector sigma = torch_module::predict_scale(out.models.back(), Xte);
    for (std::size_t i = 0; i < fold.test.size(); ++i)
      out.sigma(fold.test[i]) = sigma(static_cast<Eigen::Index>(i));
  }
  return out;
}

}  // namespace torch_module

}  // namespace mre::neural
