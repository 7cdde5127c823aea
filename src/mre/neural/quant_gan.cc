// See quant_gan.h: the networks, their training and generation on LibTorch. Part of the LibTorch
// module libmre_torch.so (torch_module.h), reached through its table; torch headers take a minute
// or two to compile.
#include "mre/neural/quant_gan.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <tuple>
#include <utility>

#include "mre/core/error.h"
#include "mre/neural/torch_module.h"
#include "mre/neural/torch_weights.h"

namespace mre::neural {

namespace {

namespace nn = torch::nn;

// Two causal convolutions with PReLU; returns (the block's output: the skip, output + residual:
// the next block's input), both as long as the input minus 2 dilation (kernel - 1).
struct BlockImpl : nn::Module {
  BlockImpl(int in, int hidden, int kernel, int dilation) {
    conv1 = register_module("conv1",
                            nn::Conv1d(nn::Conv1dOptions(in, hidden, kernel).dilation(dilation)));
    act1 = register_module("act1", nn::PReLU());
    conv2 = register_module(
        "conv2", nn::Conv1d(nn::Conv1dOptions(hidden, hidden, kernel).dilation(dilation)));
    act2 = register_module("act2", nn::PReLU());
    if (in != hidden)
      residual = register_module("residual", nn::Conv1d(nn::Conv1dOptions(in, hidden, 1)));
  }
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x) {
    torch::Tensor y = act2(conv2(act1(conv1(x))));
    torch::Tensor r = residual.is_empty() ? x : residual(x);
    r = r.narrow(2, r.size(2) - y.size(2), y.size(2));
    return {y, y + r};
  }
  nn::Conv1d conv1{nullptr}, conv2{nullptr}, residual{nullptr};
  nn::PReLU act1{nullptr}, act2{nullptr};
};
TORCH_MODULE(Block);

// Block 0 (kernel 1), blocks 1..levels (kernel 2, dilations 1, 2, ..., 2^(levels-1)), the sum of
// the skips cropped to the last block's length, a 1x1 output convolution.
struct TcnImpl : nn::Module {
  TcnImpl(int in, int hidden, int levels, int out) {
    blocks.push_back(register_module("block0", Block(in, hidden, 1, 1)));
    for (int level = 1; level <= levels; ++level) {
      blocks.push_back(register_module("block" + std::to_string(level),
                                       Block(hidden, hidden, 2, 1 << (level - 1))));
    }
    output = register_module("output", nn::Conv1d(nn::Conv1dOptions(hidden, out, 1)));
  }
  torch::Tensor forward(torch::Tensor x) {
    std::vector<torch::Tensor> skips;
    for (auto& b : blocks) {
      auto [skip, next] = b->forward(x);
      skips.push_back(std::move(skip));
      x = std::move(next);
    }
    const auto length = x.size(2);
    torch::Tensor sum = torch::zeros_like(x);
    for (const auto& s : skips) sum = sum + s.narrow(2, s.size(2) - length, length);
    return output(sum);
  }
  std::vector<Block> blocks{};
  nn::Conv1d output{nullptr};
};
TORCH_MODULE(Tcn);

void check_config(const QuantGanConfig& c) {
  const auto in_range = [](double v, double lo, double hi) { return v >= lo && v <= hi; };
  const auto bad = [](const std::string& what, double v) {
    throw Error(ErrorCode::kInvalidArgument,
                "quantgan: setting '" + what + "' is out of range (got " + std::to_string(v) + ")");
  };
  if (!in_range(c.hidden, 1, 1024)) bad("hidden", c.hidden);
  if (!in_range(c.levels, 1, 12)) bad("levels", c.levels);
  if (!in_range(c.noise_channels, 1, 256)) bad("noise_channels", c.noise_channels);
  if (c.window != 0 && !in_range(c.window, receptive_field(c), 100'000)) bad("window", c.window);
  if (!in_range(c.steps, 1, 10'000'000)) bad("steps", c.steps);
  if (!in_range(c.critic_steps, 1, 100)) bad("critic_steps", c.critic_steps);
  if (!in_range(c.batch, 1, 100'000)) bad("batch", c.batch);
  if (!(c.gradient_penalty >= 0) || !std::isfinite(c.gradient_penalty))
    bad("gradient_penalty", c.gradient_penalty);
  if (!(c.learning_rate > 0 && c.learning_rate < 1)) bad("learning_rate", c.learning_rate);
  if (!in_range(c.threads, 1, 1024)) bad("threads", c.threads);
}

torch::Tensor one_hot_rows(const std::vector<int>& regime, int regimes) {
  torch::Tensor t = torch::zeros({1, regimes, static_cast<std::int64_t>(regime.size())});
  auto a = t.accessor<float, 3>();
  for (std::size_t i = 0; i < regime.size(); ++i) a[0][regime[i]][static_cast<std::int64_t>(i)] = 1;
  return t;
}

}  // namespace

namespace torch_module {

QuantGanModel train_quant_gan(const Matrix& shocks, const std::vector<int>& regime, int regimes,
                              const QuantGanConfig& config) {
  check_config(config);
  const auto days = shocks.rows();
  const auto series = shocks.cols();
  if (series < 1) throw Error(ErrorCode::kInvalidArgument, "quantgan: no series to train on");
  if (regimes < 1 || static_cast<Eigen::Index>(regime.size()) != days) {
    throw Error(ErrorCode::kInvalidArgument,
                "quantgan: one regime label per training day is needed (got " +
                    std::to_string(regime.size()) + " labels for " + std::to_string(days) +
                    " days)");
  }
  const int field = receptive_field(config);
  const int window = training_window(config);
  if (days < window + field - 1) {
    throw Error(ErrorCode::kDataError, "quantgan: the training window has " + std::to_string(days) +
                                           " days, shorter than the receptive field " +
                                           std::to_string(field) + " plus a training sequence of " +
                                           std::to_string(window) + " days needs (at least " +
                                           std::to_string(window + field - 1) + ")");
  }
  for (Eigen::Index t = 0; t < days; ++t) {
    for (Eigen::Index j = 0; j < series; ++j) {
      if (!std::isfinite(shocks(t, j))) {
        throw Error(ErrorCode::kDataError, "quantgan: the shock of series " + std::to_string(j) +
                                               " on training day " + std::to_string(t) +
                                               " is not finite");
      }
    }
  }
  std::vector<int> count(static_cast<std::size_t>(regimes), 0);
  for (const int r : regime) {
    if (r < 0 || r >= regimes)
      throw Error(ErrorCode::kInvalidArgument, "quantgan: regime label " + std::to_string(r) +
                                                   " is outside 0.." + std::to_string(regimes - 1));
    ++count[static_cast<std::size_t>(r)];
  }
  for (int r = 0; r < regimes; ++r) {
    if (count[static_cast<std::size_t>(r)] == 0) {
      throw Error(ErrorCode::kDataError, "quantgan: regime class " + std::to_string(r) +
                                             " has no day in the training window: the "
                                             "generator cannot learn its shocks");
    }
  }

  QuantGanModel model;
  model.config = config;
  model.series = static_cast<int>(series);
  model.regimes = regimes;
  torch::Tensor data = torch::zeros({1, series, days});
  {
    auto a = data.accessor<float, 3>();
    for (Eigen::Index j = 0; j < series; ++j) {
      const LambertWFit fit = fit_lambert_w(shocks.col(j));
      const Vector u = gaussianize(shocks.col(j), fit.params);
      const double mean = u.mean();
      const double sd = std::sqrt((u.array() - mean).square().mean());
      if (!(sd > 0))
        throw Error(ErrorCode::kDataError,
                    "quantgan: series " + std::to_string(j) + " is constant");
      model.lambert.push_back(fit.params);
      model.gaussian_mean.push_back(mean);
      model.gaussian_sd.push_back(sd);
      for (Eigen::Index t = 0; t < days; ++t) a[0][j][t] = static_cast<float>((u(t) - mean) / sd);
    }
  }
  const torch::Tensor condition = one_hot_rows(regime, regimes);

  const auto start = std::chrono::steady_clock::now();
  torch::set_num_threads(config.threads);
  torch::manual_seed(config.seed);
  const int in_g = config.noise_channels + regimes;
  Tcn generator(in_g, config.hidden, config.levels, static_cast<int>(series));
  Tcn critic(static_cast<int>(series) + regimes, config.hidden, config.levels, 1);
  torch::optim::Adam opt_g(generator->parameters(),
                           torch::optim::AdamOptions(config.learning_rate).betas({0.0, 0.9}));
  torch::optim::Adam opt_c(critic->parameters(),
                           torch::optim::AdamOptions(config.learning_rate).betas({0.0, 0.9}));
  std::mt19937_64 rng(config.seed);
  // Real sequences start at s in [field - 1, days - window]; the generator's noise and condition
  // cover days s - field + 1 .. s + window - 1.
  std::uniform_int_distribution<std::int64_t> first(field - 1, days - window);
  const auto batch_of = [&] {
    std::vector<torch::Tensor> real, cond_real, cond_gen;
    for (int b = 0; b < config.batch; ++b) {
      const std::int64_t s = first(rng);
      real.push_back(data.narrow(2, s, window));
      cond_real.push_back(condition.narrow(2, s, window));
      cond_gen.push_back(condition.narrow(2, s - field + 1, window + field - 1));
    }
    return std::tuple{torch::cat(real), torch::cat(cond_real), torch::cat(cond_gen)};
  };
  const auto fake_of = [&](const torch::Tensor& cond_gen) {
    const torch::Tensor noise =
        torch::randn({config.batch, config.noise_channels, window + field - 1});
    return generator(torch::cat({noise, cond_gen}, 1));
  };
  for (int step = 0; step < config.steps; ++step) {
    double critic_loss = 0.0;
    for (int c = 0; c < config.critic_steps; ++c) {
      auto [real, cond_real, cond_gen] = batch_of();
      torch::Tensor fake;
      {
        torch::NoGradGuard no_grad;
        fake = fake_of(cond_gen);
      }
      const torch::Tensor d_real = critic(torch::cat({real, cond_real}, 1)).mean();
      const torch::Tensor d_fake = critic(torch::cat({fake, cond_real}, 1)).mean();
      const torch::Tensor e = torch::rand({config.batch, 1, 1});
      const torch::Tensor mixed = (e * real + (1 - e) * fake).requires_grad_(true);
      const torch::Tensor score = critic(torch::cat({mixed, cond_real}, 1)).mean({1, 2});
      const torch::Tensor grad =
          torch::autograd::grad({score.sum()}, {mixed}, {}, /*retain_graph=*/true,
                                /*create_graph=*/true)[0];
      // The norm with a tiny floor: sqrt's derivative at an exactly zero gradient is infinite.
      const torch::Tensor norm = (grad.flatten(1).pow(2).sum(1) + 1e-12).sqrt();
      const torch::Tensor penalty = (norm - 1).pow(2).mean();
      const torch::Tensor loss = d_fake - d_real + config.gradient_penalty * penalty;
      opt_c.zero_grad();
      loss.backward();
      opt_c.step();
      critic_loss = loss.item<double>();
    }
    const auto batch = batch_of();  // the real sequences' conditions only
    const torch::Tensor loss_g =
        -critic(torch::cat({fake_of(std::get<2>(batch)), std::get<1>(batch)}, 1)).mean();
    opt_g.zero_grad();
    loss_g.backward();
    opt_g.step();
    model.critic_loss.push_back(critic_loss);
    model.generator_loss.push_back(loss_g.item<double>());
  }
  model.weights = torch_weights::flatten(generator->parameters());
  model.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return model;
}

namespace {

// A generator with its network loaded once (QuantGanGenerator holds one through the table).
class TorchQuantGan final : public QuantGanGeneratorBackend {
 public:
  explicit TorchQuantGan(const QuantGanModel& model);
  Matrix generate(const Matrix& noise, const std::vector<int>& regime) const override;

 private:
  QuantGanModel model_;
  mutable Tcn net_{nullptr};  // forward() is not const in LibTorch; generate() changes nothing
};

TorchQuantGan::TorchQuantGan(const QuantGanModel& model) {
  check_config(model.config);
  const auto expected = quant_gan_parameter_count(model.config, model.series, model.regimes);
  if (model.series < 1 || model.regimes < 1 || model.weights.size() != expected ||
      model.lambert.size() != static_cast<std::size_t>(model.series) ||
      model.gaussian_mean.size() != model.lambert.size() ||
      model.gaussian_sd.size() != model.lambert.size()) {
    throw Error(ErrorCode::kDataError,
                "quantgan: the stored generator does not fit its settings (" +
                    std::to_string(model.weights.size()) + " weights, " + std::to_string(expected) +
                    " expected for " + std::to_string(model.series) + " series and " +
                    std::to_string(model.regimes) + " regimes)");
  }
  model_ = model;
  net_ = Tcn(model.config.noise_channels + model.regimes, model.config.hidden, model.config.levels,
             model.series);
  torch_weights::load(net_->parameters(), model.weights);
  net_->eval();
}

Matrix TorchQuantGan::generate(const Matrix& noise, const std::vector<int>& regime) const {
  const auto& m = model_;
  const int warmup = receptive_field(m.config) - 1;
  const auto rows = noise.rows();
  if (noise.cols() != m.config.noise_channels || rows <= warmup ||
      static_cast<Eigen::Index>(regime.size()) != rows) {
    throw Error(ErrorCode::kInvalidArgument, "quantgan: generate needs (days + " +
                                                 std::to_string(warmup) + ") x " +
                                                 std::to_string(m.config.noise_channels) +
                                                 " noise values and one regime label per row");
  }
  for (const int r : regime) {
    if (r < 0 || r >= m.regimes)
      throw Error(ErrorCode::kInvalidArgument, "quantgan: regime label " + std::to_string(r) +
                                                   " is outside 0.." +
                                                   std::to_string(m.regimes - 1));
  }
  torch::NoGradGuard no_grad;
  torch::Tensor input = torch::zeros({1, m.config.noise_channels + m.regimes, rows});
  {
    auto a = input.accessor<float, 3>();
    for (Eigen::Index t = 0; t < rows; ++t) {
      for (int c = 0; c < m.config.noise_channels; ++c)
        a[0][c][t] = static_cast<float>(noise(t, c));
      a[0][m.config.noise_channels + regime[static_cast<std::size_t>(t)]][t] = 1;
    }
  }
  const torch::Tensor out = net_->forward(input).contiguous();
  const auto days = out.size(2);
  auto a = out.accessor<float, 3>();
  Matrix result(days, m.series);
  for (int j = 0; j < m.series; ++j) {
    Vector u(days);
    for (std::int64_t t = 0; t < days; ++t)
      u(t) = static_cast<double>(a[0][j][t]) * m.gaussian_sd[static_cast<std::size_t>(j)] +
             m.gaussian_mean[static_cast<std::size_t>(j)];
    result.col(j) = degaussianize(u, m.lambert[static_cast<std::size_t>(j)]);
  }
  return result;
}

}  // namespace

std::unique_ptr<QuantGanGeneratorBackend> make_quant_gan_generator(const QuantGanModel& model) {
  return std::make_unique<TorchQuantGan>(model);
}

}  // namespace torch_module

}  // namespace mre::neural
