// See attention.h: the network, its forward pass and its training on LibTorch. Part of the
// LibTorch module libmre_torch.so (torch_module.h), reached through its table; torch headers take
// a minute or two to compile.
#include "mre/neural/attention.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <utility>

#include "mre/core/error.h"
#include "mre/neural/torch_module.h"
#include "mre/neural/torch_weights.h"

namespace mre::neural {

namespace {

namespace nn = torch::nn;

struct NetImpl : nn::Module {
  explicit NetImpl(const AttentionSpec& s) : spec(s) {
    // Construction order = initialisation order under torch::manual_seed.
    input = register_module("input", nn::Linear(s.inputs, s.hidden));
    position = register_parameter("position", torch::zeros({s.window, s.hidden}));
    query = register_module("query", nn::Linear(s.hidden, s.hidden));
    key = register_module("key", nn::Linear(s.hidden, s.hidden));
    value = register_module("value", nn::Linear(s.hidden, s.hidden));
    output = register_module("output", nn::Linear(s.hidden, s.hidden));
    hidden = register_module("hidden", nn::Linear(s.hidden, s.hidden));
    classifier = register_module("classifier", nn::Linear(s.hidden, s.classes));
    dropout = register_module("dropout", nn::Dropout(s.dropout));
  }

  // The spec's registration order. Module::parameters() would list `position` (this module's own
  // parameter) before the submodules' ones, so the order is written out here.
  std::vector<torch::Tensor> ordered() {
    return {input->weight, input->bias,    position,      query->weight,      query->bias,
            key->weight,   key->bias,      value->weight, value->bias,        output->weight,
            output->bias,  hidden->weight, hidden->bias,  classifier->weight, classifier->bias};
  }

  // z: [B, L, F] standardised features; returns logits [B, C].
  torch::Tensor forward(const torch::Tensor& z) {
    const std::int64_t batch = z.size(0);
    const std::int64_t length = spec.window;
    const std::int64_t heads = spec.heads;
    const std::int64_t d = spec.hidden / spec.heads;
    const torch::Tensor h = input(z) + position;
    const torch::Tensor last = h.select(1, length - 1);
    const torch::Tensor q = query(last).reshape({batch, heads, 1, d});
    const torch::Tensor k = key(h).reshape({batch, length, heads, d}).transpose(1, 2);
    const torch::Tensor v = value(h).reshape({batch, length, heads, d}).transpose(1, 2);
    const torch::Tensor a =
        torch::softmax(q.matmul(k.transpose(-2, -1)) / std::sqrt(static_cast<double>(d)), -1);
    const torch::Tensor ctx = a.matmul(v).reshape({batch, spec.hidden});
    torch::Tensor y = output(ctx) + last;
    y = torch::relu(hidden(dropout(y)));
    return classifier(dropout(y));
  }

  AttentionSpec spec;
  nn::Linear input{nullptr}, query{nullptr}, key{nullptr}, value{nullptr}, output{nullptr},
      hidden{nullptr}, classifier{nullptr};
  nn::Dropout dropout{nullptr};
  torch::Tensor position;
};
TORCH_MODULE(Net);

std::vector<float> flat_weights(Net& net) { return torch_weights::flatten(net->ordered()); }

void load_weights(Net& net, const std::vector<float>& weights) {
  torch_weights::load(net->ordered(), weights);
}

void check_model(const AttentionModel& m) {
  check_attention_spec(m.spec);
  const auto f = static_cast<std::size_t>(m.spec.inputs);
  const auto expected = attention_parameter_count(m.spec);
  if (m.weights.size() != expected || m.input_mean.size() != f || m.input_sd.size() != f) {
    throw Error(ErrorCode::kDataError, "attention: the model does not fit its spec (" +
                                           std::to_string(m.weights.size()) + " weights, " +
                                           std::to_string(expected) + " expected; " +
                                           std::to_string(m.input_mean.size()) +
                                           " input means and " + std::to_string(m.input_sd.size()) +
                                           " sds for " + std::to_string(f) + " inputs)");
  }
  for (std::size_t j = 0; j < f; ++j) {
    if (!(m.input_sd[j] > 0) || !std::isfinite(m.input_sd[j]) || !std::isfinite(m.input_mean[j]))
      throw Error(ErrorCode::kDataError, "attention: the standardisation of input " +
                                             std::to_string(j) + " is not usable (sd must be > 0)");
  }
}

// [N, L, F] standardised windows; DataError naming a bad shape or a non-finite value.
torch::Tensor standardised(const AttentionSpec& s, const std::vector<double>& mean,
                           const std::vector<double>& sd, const std::vector<Matrix>& windows) {
  const auto n = static_cast<std::int64_t>(windows.size());
  torch::Tensor x = torch::zeros({n, s.window, s.inputs});
  auto a = x.accessor<float, 3>();
  for (std::int64_t i = 0; i < n; ++i) {
    const Matrix& w = windows[static_cast<std::size_t>(i)];
    if (w.rows() != s.window || w.cols() != s.inputs) {
      throw Error(ErrorCode::kDataError, "attention: window " + std::to_string(i) + " is " +
                                             std::to_string(w.rows()) + " x " +
                                             std::to_string(w.cols()) + ", the network takes " +
                                             std::to_string(s.window) + " days x " +
                                             std::to_string(s.inputs) + " features");
    }
    for (int t = 0; t < s.window; ++t) {
      for (int j = 0; j < s.inputs; ++j) {
        const double v = w(t, j);
        if (!std::isfinite(v)) {
          throw Error(ErrorCode::kDataError,
                      "attention: window " + std::to_string(i) + " has a non-finite value on day " +
                          std::to_string(t) + " of " + std::to_string(s.window) + ", column " +
                          std::to_string(j) + " (NaN inputs are refused, not masked)");
        }
        const auto js = static_cast<std::size_t>(j);
        a[i][t][j] = static_cast<float>((v - mean[js]) / sd[js]);
      }
    }
  }
  return x;
}

std::vector<std::string> names_or(const std::vector<std::string>& given, int n,
                                  const std::string& prefix, const std::string& what) {
  if (given.empty()) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
  }
  if (static_cast<int>(given.size()) != n)
    throw Error(ErrorCode::kInvalidArgument, "attention: " + std::to_string(given.size()) + " " +
                                                 what + " names for " + std::to_string(n) + " " +
                                                 what + "s");
  return given;
}

}  // namespace

namespace torch_module {

AttentionModel initial_attention_model(const AttentionSpec& spec, std::uint64_t seed) {
  check_attention_spec(spec);
  torch::manual_seed(seed);
  Net net(spec);
  AttentionModel m;
  m.spec = spec;
  m.feature_names = names_or({}, spec.inputs, "x", "feature");
  m.class_names = names_or({}, spec.classes, "class", "class");
  m.input_mean.assign(static_cast<std::size_t>(spec.inputs), 0.0);
  m.input_sd.assign(static_cast<std::size_t>(spec.inputs), 1.0);
  m.weights = flat_weights(net);
  m.seed = seed;
  return m;
}

Matrix attention_probabilities(const AttentionModel& model, const std::vector<Matrix>& windows) {
  check_model(model);
  const torch::Tensor x = standardised(model.spec, model.input_mean, model.input_sd, windows);
  Net net(model.spec);
  load_weights(net, model.weights);
  net->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor p = torch::softmax(net->forward(x), -1).to(torch::kFloat64).contiguous();
  const auto n = static_cast<Eigen::Index>(windows.size());
  Matrix out(n, model.spec.classes);
  const double* v = p.data_ptr<double>();
  for (Eigen::Index i = 0; i < n; ++i)
    for (int c = 0; c < model.spec.classes; ++c) out(i, c) = v[i * model.spec.classes + c];
  return out;
}

AttentionFit train_attention(const std::vector<Matrix>& windows, const std::vector<int>& labels,
                             const AttentionSpec& spec, const AttentionTraining& training,
                             const std::vector<std::string>& feature_names,
                             const std::vector<std::string>& class_names) {
  check_attention_spec(spec);
  check_attention_training(training);
  const auto n = static_cast<std::int64_t>(windows.size());
  if (labels.size() != windows.size())
    throw Error(ErrorCode::kInvalidArgument, "attention: " + std::to_string(labels.size()) +
                                                 " labels for " + std::to_string(windows.size()) +
                                                 " windows (one label per window)");
  const auto n_validation =
      static_cast<std::int64_t>(std::floor(training.validation_fraction * static_cast<double>(n)));
  const std::int64_t n_train = n - n_validation;
  if (n_validation < 1 || n_train < 2) {
    throw Error(ErrorCode::kDataError,
                "attention: " + std::to_string(n) +
                    " examples are too few to train (need at least 2 training examples and 1 "
                    "validation example with validation_fraction " +
                    std::to_string(training.validation_fraction) + ")");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= spec.classes)
      throw Error(ErrorCode::kInvalidArgument,
                  "attention: label " + std::to_string(labels[i]) + " of example " +
                      std::to_string(i) + " is outside 0.." + std::to_string(spec.classes - 1));
  }
  AttentionFit fit;
  AttentionModel& m = fit.model;
  m.spec = spec;
  m.feature_names = names_or(feature_names, spec.inputs, "x", "feature");
  m.class_names = names_or(class_names, spec.classes, "class", "class");
  {
    std::vector<int> count(static_cast<std::size_t>(spec.classes), 0);
    for (std::int64_t i = 0; i < n_train; ++i) ++count[static_cast<std::size_t>(labels[i])];
    for (int c = 0; c < spec.classes; ++c) {
      if (count[static_cast<std::size_t>(c)] == 0)
        throw Error(ErrorCode::kDataError,
                    "attention: class '" + m.class_names[static_cast<std::size_t>(c)] +
                        "' has no example in the training window (" + std::to_string(n_train) +
                        " training examples): the network cannot learn it");
    }
  }
  // Standardisation: the days t of the training examples (the last row of each window).
  const auto f = static_cast<std::size_t>(spec.inputs);
  m.input_mean.assign(f, 0.0);
  m.input_sd.assign(f, 0.0);
  {
    const std::vector<double> zero(f, 0.0), one(f, 1.0);
    (void)standardised(spec, zero, one, windows);  // shape and finiteness checks, naming the cell
  }
  for (std::size_t j = 0; j < f; ++j) {
    double sum = 0.0;
    for (std::int64_t i = 0; i < n_train; ++i)
      sum += windows[static_cast<std::size_t>(i)](spec.window - 1, static_cast<Eigen::Index>(j));
    const double mean = sum / static_cast<double>(n_train);
    double ss = 0.0;
    for (std::int64_t i = 0; i < n_train; ++i) {
      const double dev =
          windows[static_cast<std::size_t>(i)](spec.window - 1, static_cast<Eigen::Index>(j)) -
          mean;
      ss += dev * dev;
    }
    const double sd = std::sqrt(ss / static_cast<double>(n_train));
    if (!(sd > 0))
      throw Error(ErrorCode::kDataError, "attention: feature '" + m.feature_names[j] +
                                             "' is constant over the training window");
    m.input_mean[j] = mean;
    m.input_sd[j] = sd;
  }
  const torch::Tensor x = standardised(spec, m.input_mean, m.input_sd, windows);
  torch::Tensor y = torch::zeros({n}, torch::kInt64);
  for (std::int64_t i = 0; i < n; ++i) y[i] = labels[static_cast<std::size_t>(i)];
  const torch::Tensor x_train = x.narrow(0, 0, n_train);
  const torch::Tensor y_train = y.narrow(0, 0, n_train);
  const torch::Tensor x_val = x.narrow(0, n_train, n_validation);
  const torch::Tensor y_val = y.narrow(0, n_train, n_validation);

  const auto start = std::chrono::steady_clock::now();
  torch::set_num_threads(training.threads);
  torch::manual_seed(training.seed);
  Net net(spec);
  m.seed = training.seed;
  m.threads = training.threads;
  torch::optim::Adam opt(
      net->parameters(),
      torch::optim::AdamOptions(training.learning_rate).weight_decay(training.weight_decay));
  std::mt19937_64 rng(training.seed);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n_train));
  for (std::int64_t i = 0; i < n_train; ++i) order[static_cast<std::size_t>(i)] = i;
  double best = std::numeric_limits<double>::infinity();
  std::vector<float> best_weights = flat_weights(net);
  int since_best = 0;
  for (int epoch = 1; epoch <= training.epochs; ++epoch) {
    // Fisher-Yates with the project's own draw (std::shuffle's order is not portable).
    for (std::size_t i = order.size() - 1; i > 0; --i) {
      const std::size_t j = static_cast<std::size_t>(rng() % (i + 1));
      std::swap(order[i], order[j]);
    }
    net->train();
    double total = 0.0;
    for (std::int64_t s = 0; s < n_train; s += training.batch) {
      const std::int64_t size = std::min<std::int64_t>(training.batch, n_train - s);
      const torch::Tensor index = torch::from_blob(order.data() + s, {size}, torch::kInt64).clone();
      const torch::Tensor loss = torch::nn::functional::cross_entropy(
          net->forward(x_train.index_select(0, index)), y_train.index_select(0, index));
      opt.zero_grad();
      loss.backward();
      opt.step();
      total += loss.item<double>() * static_cast<double>(size);
    }
    fit.train_loss.push_back(total / static_cast<double>(n_train));
    net->eval();
    double validation = 0.0;
    {
      torch::NoGradGuard no_grad;
      validation = torch::nn::functional::cross_entropy(net->forward(x_val), y_val).item<double>();
    }
    fit.validation_loss.push_back(validation);
    fit.epochs_run = epoch;
    if (validation < best) {
      best = validation;
      best_weights = flat_weights(net);
      fit.best_epoch = epoch;
      since_best = 0;
    } else if (++since_best >= training.patience) {
      break;
    }
  }
  m.weights = std::move(best_weights);
  fit.train_examples = static_cast<int>(n_train);
  fit.validation_examples = static_cast<int>(n_validation);
  fit.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return fit;
}

}  // namespace torch_module

}  // namespace mre::neural
