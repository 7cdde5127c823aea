// See attention.h: the parts that need no LibTorch (sizes, setting checks), compiled in every
// build.
#include <cmath>
#include <string>

#include "mre/core/error.h"
#include "mre/neural/attention.h"

namespace mre::neural {

namespace {
[[noreturn]] void bad(const std::string& what, const std::string& why) {
  throw Error(ErrorCode::kInvalidArgument, "attention: setting '" + what + "' " + why);
}
void in_range(const std::string& what, int v, int lo, int hi) {
  if (v < lo || v > hi)
    bad(what, "is out of range (got " + std::to_string(v) + ", allowed " + std::to_string(lo) +
                  ".." + std::to_string(hi) + ")");
}
}  // namespace

std::size_t attention_parameter_count(const AttentionSpec& s) {
  const auto f = static_cast<std::size_t>(s.inputs);
  const auto h = static_cast<std::size_t>(s.hidden);
  const auto l = static_cast<std::size_t>(s.window);
  const auto c = static_cast<std::size_t>(s.classes);
  return f * h + h + l * h + 5 * (h * h + h) + c * h + c;
}

void check_attention_spec(const AttentionSpec& s) {
  in_range("inputs", s.inputs, 1, 10'000);
  in_range("hidden", s.hidden, 1, 4096);
  in_range("heads", s.heads, 1, 256);
  in_range("classes", s.classes, 2, 1000);
  in_range("window", s.window, 1, 10'000);
  if (s.hidden % s.heads != 0)
    bad("heads", "must divide hidden (hidden " + std::to_string(s.hidden) + ", heads " +
                     std::to_string(s.heads) + ")");
  if (!(s.dropout >= 0.0 && s.dropout < 1.0))
    bad("dropout", "must be in [0, 1) (got " + std::to_string(s.dropout) + ")");
}

void check_attention_training(const AttentionTraining& t) {
  in_range("epochs", t.epochs, 1, 100'000);
  in_range("patience", t.patience, 1, 100'000);
  in_range("batch", t.batch, 1, 1'000'000);
  in_range("threads", t.threads, 1, 1024);
  if (!(t.learning_rate > 0.0 && t.learning_rate < 1.0))
    bad("learning_rate", "must be in (0, 1) (got " + std::to_string(t.learning_rate) + ")");
  if (!(t.weight_decay >= 0.0 && std::isfinite(t.weight_decay)))
    bad("weight_decay", "must be finite and >= 0 (got " + std::to_string(t.weight_decay) + ")");
  if (!(t.validation_fraction > 0.0 && t.validation_fraction < 1.0))
    bad("validation_fraction",
        "must be in (0, 1) (got " + std::to_string(t.validation_fraction) + ")");
}

}  // namespace mre::neural
