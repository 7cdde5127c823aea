// YAML feature specs -> FeatureSetSpec (yaml-cpp stays in this file).
#include "mre/workflows/feature_spec.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <set>

#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/workflows/detail/yaml_file.h"

namespace mre::workflows {
namespace {

using features::Op;

struct Context {
  std::string file;
  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    throw Error(ErrorCode::kInvalidArgument,
                file + ":" + std::to_string(node.Mark().line + 1) + ": " + message);
  }
};

// Reads an op's parameters, refusing any it does not know.
class Params {
 public:
  Params(const Context& ctx, const YAML::Node& node, std::string where)
      : ctx_(ctx), node_(node), where_(std::move(where)) {}

  double number(const char* key, double fallback) {
    used_.insert(key);
    const YAML::Node v = node_[key];
    if (!v) return fallback;
    try {
      return v.as<double>();
    } catch (const YAML::Exception&) {
      ctx_.fail(v, where_ + ": '" + key + "' must be a number");
    }
  }
  std::size_t count(const char* key, std::size_t fallback) {
    const double v = number(key, static_cast<double>(fallback));
    // Checked before the conversion: a double beyond size_t's range (2e71) converts with
    // undefined behaviour (a fuzz finding, fuzz/regressions/yaml/feature_count_out_of_range.yml).
    if (!(v >= 0 && v <= 1e15) || v != static_cast<double>(static_cast<std::size_t>(v))) {
      ctx_.fail(node_[key], where_ + ": '" + key + "' must be a whole number >= 0");
    }
    return static_cast<std::size_t>(v);
  }
  bool flag(const char* key, bool fallback) {
    used_.insert(key);
    const YAML::Node v = node_[key];
    if (!v) return fallback;
    try {
      return v.as<bool>();
    } catch (const YAML::Exception&) {
      ctx_.fail(v, where_ + ": '" + key + "' must be true or false");
    }
  }
  std::string choice(const char* key, const std::string& fallback,
                     const std::set<std::string>& allowed) {
    used_.insert(key);
    const YAML::Node v = node_[key];
    if (!v) return fallback;
    const std::string s = v.Scalar();
    if (!allowed.count(s)) {
      std::string list;
      for (const auto& a : allowed) {
        if (!list.empty()) list += ", ";
        list += a;
      }
      ctx_.fail(v, where_ + ": '" + key + "' must be one of " + list + " (got '" + s + "')");
    }
    return s;
  }
  void finish() {
    for (const auto& item : node_) {
      const std::string key = item.first.Scalar();
      if (key != "op" && !used_.count(key))
        ctx_.fail(item.first, where_ + ": unknown parameter '" + key + "'");
    }
  }

 private:
  const Context& ctx_;
  YAML::Node node_;
  std::string where_;
  std::set<std::string> used_;
};

Op parse_op(const Context& ctx, const YAML::Node& node, const std::string& feature) {
  if (!node.IsMap() || !node["op"])
    ctx.fail(node, "feature '" + feature + "': each op is a mapping with an 'op' key");
  const std::string name = node["op"].Scalar();
  Params p(ctx, node, "feature '" + feature + "': op '" + name + "'");
  Op op;
  if (name == "winsorize") {
    op = features::Winsorize{.p = p.number("p", 0.01), .min_periods = p.count("min_periods", 36)};
  } else if (name == "winsorize_full_sample") {
    op = features::WinsorizeFullSample{.p = p.number("p", 0.01)};
  } else if (name == "zscore" || name == "level") {
    op = features::ZScore{.min_periods = p.count("min_periods", 36)};
  } else if (name == "slope") {
    op = features::Slope{.window = p.count("window", 12)};
  } else if (name == "momentum") {
    op = features::Momentum{
        .window = p.count("window", 12),
        .ratio = p.choice("kind", "difference", {"ratio", "difference"}) == "ratio"};
  } else if (name == "volatility") {
    op = features::Volatility{
        .window = p.count("window", 12),
        .log_changes = p.choice("changes", "difference", {"difference", "log"}) == "log"};
  } else if (name == "returns") {
    op = features::Returns{.horizon = p.count("horizon", 1), .log = p.flag("log", false)};
  } else if (name == "forward_returns") {
    op = features::ForwardReturns{.horizon = p.count("horizon", 1), .log = p.flag("log", false)};
  } else if (name == "yoy") {
    op = features::Yoy{};
  } else if (name == "diff") {
    op = features::Diff{.periods = p.count("periods", 1)};
  } else if (name == "scale") {
    op = features::Scale{.factor = p.number("factor", 1.0)};
  } else if (name == "mean") {
    op = features::RollingMean{.window = p.count("window", 12)};
  } else if (name == "ewm_downside_deviation") {
    op = features::EwmDownsideDeviation{.halflife = p.number("halflife", 10.0),
                                        .min_periods = p.count("min_periods", 1),
                                        .log = p.flag("log", false)};
  } else if (name == "ewm_sortino") {
    op = features::EwmSortino{.halflife = p.number("halflife", 20.0),
                              .min_periods = p.count("min_periods", 1)};
  } else if (name == "spread") {
    op = features::Spread{};
  } else if (name == "ratio") {
    op = features::Ratio{};
  } else if (name == "correlation") {
    op = features::Correlation{.window = p.count("window", 63)};
  } else {
    ctx.fail(node["op"], "feature '" + feature + "': unknown op '" + name +
                             "' (known: winsorize, winsorize_full_sample, zscore, slope, momentum, "
                             "volatility, returns, forward_returns, yoy, diff, scale, mean, "
                             "ewm_downside_deviation, ewm_sortino, spread, ratio, correlation)");
  }
  p.finish();
  return op;
}

std::string describe_op(const Op& op) {
  using namespace features;
  const std::string name = op_name(op);
  return std::visit(
      [&](const auto& o) -> std::string {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, Winsorize>) {
          return name + "(p=" + format_double(o.p) +
                 ",min_periods=" + std::to_string(o.min_periods) + ")";
        } else if constexpr (std::is_same_v<T, WinsorizeFullSample>) {
          return name + "(p=" + format_double(o.p) + ")";
        } else if constexpr (std::is_same_v<T, ZScore>) {
          return name + "(min_periods=" + std::to_string(o.min_periods) + ")";
        } else if constexpr (std::is_same_v<T, Slope> || std::is_same_v<T, RollingMean> ||
                             std::is_same_v<T, Correlation>) {
          return name + "(window=" + std::to_string(o.window) + ")";
        } else if constexpr (std::is_same_v<T, Momentum>) {
          return name + "(window=" + std::to_string(o.window) +
                 ",kind=" + (o.ratio ? "ratio" : "difference") + ")";
        } else if constexpr (std::is_same_v<T, Volatility>) {
          return name + "(window=" + std::to_string(o.window) +
                 ",changes=" + (o.log_changes ? "log" : "difference") + ")";
        } else if constexpr (std::is_same_v<T, Returns> || std::is_same_v<T, ForwardReturns>) {
          return name + "(horizon=" + std::to_string(o.horizon) +
                 ",log=" + (o.log ? "true" : "false") + ")";
        } else if constexpr (std::is_same_v<T, Diff>) {
          return name + "(periods=" + std::to_string(o.periods) + ")";
        } else if constexpr (std::is_same_v<T, Scale>) {
          return name + "(factor=" + format_double(o.factor) + ")";
        } else if constexpr (std::is_same_v<T, EwmDownsideDeviation>) {
          return name + "(halflife=" + format_double(o.halflife) +
                 ",min_periods=" + std::to_string(o.min_periods) +
                 ",log=" + (o.log ? "true" : "false") + ")";
        } else if constexpr (std::is_same_v<T, EwmSortino>) {
          return name + "(halflife=" + format_double(o.halflife) +
                 ",min_periods=" + std::to_string(o.min_periods) + ")";
        } else {
          return name + "()";
        }
      },
      op);
}

}  // namespace

std::string frequency_label(Frequency frequency) {
  switch (frequency) {
    case Frequency::kDaily:
      return "daily";
    case Frequency::kWeekly:
      return "weekly";
    case Frequency::kMonthEnd:
      return "month_end";
  }
  return "daily";
}

std::string fnv1a_hex(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string canonical_spec_text(const features::FeatureSetSpec& spec) {
  std::string out = "name=" + spec.name + "\nfrequency=" + frequency_label(spec.frequency) +
                    "\nstart=" + (spec.start ? spec.start->iso() : "") +
                    "\nallow_future_data=" + (spec.allow_future_data ? "true" : "false") + "\n";
  for (const auto& f : spec.features) {
    out += "feature=" + f.name + "|inputs=";
    for (std::size_t i = 0; i < f.inputs.size(); ++i) {
      if (i) out += ',';
      out += f.inputs[i];
    }
    out += "|ops=";
    for (std::size_t i = 0; i < f.ops.size(); ++i) {
      if (i) out += ',';
      out += describe_op(f.ops[i]);
    }
    out += "|proxy=" + f.proxy + "|prefer=" + f.prefer + "\n";
  }
  return out;
}

LoadedSpec load_feature_spec(const std::filesystem::path& path) try {
  const YAML::Node root = detail::load_yaml_mapping(path, "feature spec");
  const Context ctx{path.string()};
  LoadedSpec loaded;
  auto& spec = loaded.spec;
  for (const auto& item : root) {
    const std::string key = item.first.Scalar();
    if (key != "name" && key != "description" && key != "frequency" && key != "start" &&
        key != "allow_future_data" && key != "features") {
      ctx.fail(item.first, "unknown key '" + key + "'");
    }
  }
  if (!root["name"] || root["name"].Scalar().empty()) ctx.fail(root, "missing field 'name'");
  spec.name = root["name"].Scalar();
  if (const auto problem = name_problem(spec.name)) ctx.fail(root["name"], "'name' " + *problem);
  if (root["description"]) spec.description = root["description"].Scalar();
  const std::string frequency = root["frequency"] ? root["frequency"].Scalar() : "";
  if (frequency == "daily") {
    spec.frequency = Frequency::kDaily;
  } else if (frequency == "weekly") {
    spec.frequency = Frequency::kWeekly;
  } else if (frequency == "month_end") {
    spec.frequency = Frequency::kMonthEnd;
  } else {
    ctx.fail(root["frequency"] ? root["frequency"] : root,
             "'frequency' must be daily, weekly or month_end (got '" + frequency + "')");
  }
  if (root["start"]) {
    spec.start = Date::parse(root["start"].Scalar());
    if (!spec.start) ctx.fail(root["start"], "'start' must be a date YYYY-MM-DD");
  }
  if (root["allow_future_data"]) {
    try {
      spec.allow_future_data = root["allow_future_data"].as<bool>();
    } catch (const YAML::Exception&) {
      ctx.fail(root["allow_future_data"], "'allow_future_data' must be true or false");
    }
  }
  const YAML::Node list = root["features"];
  if (!list || !list.IsSequence() || list.size() == 0)
    ctx.fail(root, "missing field 'features' (a list)");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node node = list[i];
    if (!node.IsMap()) ctx.fail(node, "features[" + std::to_string(i) + "] is not a mapping");
    features::FeatureSpec f;
    if (!node["name"] || node["name"].Scalar().empty()) {
      ctx.fail(node, "features[" + std::to_string(i) + "]: missing field 'name'");
    }
    f.name = node["name"].Scalar();
    if (const auto problem = name_problem(f.name)) {
      ctx.fail(node["name"], "features[" + std::to_string(i) + "]: the name '" + f.name + "' " +
                                 *problem + " (it becomes a CSV column)");
    }
    for (const auto& item : node) {
      const std::string key = item.first.Scalar();
      if (key != "name" && key != "description" && key != "inputs" && key != "ops" &&
          key != "proxy" && key != "prefer") {
        ctx.fail(item.first, "feature '" + f.name + "': unknown key '" + key + "'");
      }
    }
    if (node["description"]) f.description = node["description"].Scalar();
    const YAML::Node inputs = node["inputs"];
    if (!inputs || !inputs.IsSequence() || inputs.size() == 0) {
      ctx.fail(node,
               "feature '" + f.name + "': missing field 'inputs' (a list of tickers or features)");
    }
    for (const auto& input : inputs) f.inputs.push_back(input.Scalar());
    if (const YAML::Node ops = node["ops"]) {
      if (!ops.IsSequence()) ctx.fail(ops, "feature '" + f.name + "': 'ops' must be a list");
      for (const auto& op : ops) f.ops.push_back(parse_op(ctx, op, f.name));
    }
    if (node["proxy"]) f.proxy = node["proxy"].Scalar();
    if (node["prefer"]) f.prefer = node["prefer"].Scalar();
    spec.features.push_back(std::move(f));
  }
  loaded.canonical_text = canonical_spec_text(spec);
  loaded.hash = fnv1a_hex(loaded.canonical_text);
  return loaded;
} catch (const YAML::Exception& e) {
  // A node used as the wrong kind where no check above caught it: still a named input error.
  detail::rethrow_yaml_error(path, e, "feature spec");
}

}  // namespace mre::workflows
