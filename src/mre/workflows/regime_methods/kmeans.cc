// Regime method `kmeans`: in-sample k-means on the complete rows (regimes/kmeans), one-hot
// probabilities. Its settings are the `kmeans:` block (n_clusters, n_init, seed); a spec without
// it keeps the older reading of `hmm: n_states` and `hmm: seed` (and its version hash).
#include "mre/regimes/kmeans/kmeans.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <sstream>

#include "mre/core/error.h"
#include "mre/core/format.h"
#include "mre/workflows/detail/yaml_file.h"
#include "mre/workflows/detect_regimes.h"
#include "mre/workflows/regime_methods/regime_method.h"
#include "mre/workflows/regimes_csv.h"

namespace mre::workflows {
namespace {

using detail::fail;
using detail::only_keys;
using detail::scalar;

struct KmeansSettings {
  int n_clusters = 0;       // the number of regimes
  int n_init = 10;          // restarts; the lowest inertia wins
  std::uint64_t seed = 42;  // of the first restart
  bool block = false;  // given as a `kmeans:` block (else read from `hmm:`, the older spelling)
};

KmeansSettings settings(const RegimeSpec& spec) {
  if (const auto* s = std::any_cast<KmeansSettings>(&spec.method_settings)) return *s;
  return {.n_clusters = spec.hmm.n_states, .n_init = 10, .seed = spec.hmm.seed, .block = false};
}

void parse(const std::filesystem::path& path, const YAML::Node& root, RegimeSpec& spec) {
  KmeansSettings s = settings(spec);
  if (const YAML::Node k = root["kmeans"]) {
    only_keys(path, k, {"n_clusters", "n_init", "seed"}, "kmeans: ");
    s.block = true;
    if (k["n_clusters"]) s.n_clusters = scalar<int>(path, k["n_clusters"], "n_clusters");
    if (k["n_init"]) s.n_init = scalar<int>(path, k["n_init"], "n_init");
    if (k["seed"]) s.seed = scalar<std::uint64_t>(path, k["seed"], "seed");
    if (s.n_clusters < 1 || s.n_clusters > 100)
      fail(path, k["n_clusters"] ? k["n_clusters"] : k, "kmeans: 'n_clusters' must be 1-100");
    if (s.n_init < 1 || s.n_init > 1000)
      fail(path, k["n_init"] ? k["n_init"] : k, "kmeans: 'n_init' must be 1-1000");
  }
  spec.method_settings = s;
}

void canonical(const RegimeSpec& spec, std::ostream& out) {
  write_hmm_settings(spec, out);
  write_schedule(spec, out);
  if (const KmeansSettings s = settings(spec); s.block) {
    out << "kmeans=" << s.n_clusters << "," << s.n_init << "," << s.seed << "\n";
  }
}

RegimeFitOutput fit(const RegimeFitInput& in) {
  const KmeansSettings s = settings(in.spec);
  RegimeFitOutput out;
  std::vector<Eigen::Index> keep;
  for (Eigen::Index t = 0; t < in.data.rows(); ++t) {
    if (!in.data.row(t).hasNaN()) keep.push_back(t);
  }
  Matrix x(static_cast<Eigen::Index>(keep.size()), in.data.cols());
  for (std::size_t i = 0; i < keep.size(); ++i)
    x.row(static_cast<Eigen::Index>(i)) = in.data.row(keep[i]);
  const auto km =
      regimes::kmeans::fit(x, {.n_clusters = s.n_clusters, .n_init = s.n_init, .seed = s.seed});
  out.probabilities =
      Matrix::Constant(in.data.rows(), s.n_clusters, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < keep.size(); ++i) {
    out.probabilities.row(keep[i]).setZero();
    out.probabilities(keep[i], km.labels[i]) = 1.0;
  }
  out.labels = state_labels(in.spec, s.n_clusters, "C");
  out.params_json = "{\"model\": \"kmeans\", \"inertia\": " + format_double(km.inertia) + "}";
  std::ostringstream diagnostics;
  diagnostics.precision(17);
  diagnostics << "{\"method\": \"kmeans\", \"note\": \"in-sample clustering of complete rows\", "
                 "\"inertia\": "
              << km.inertia << ", \"rows\": " << keep.size() << "}";
  out.diagnostics_json = diagnostics.str();
  return out;
}

// `mre regimes fit --data CSV --method kmeans`: the centres as a plain JSON matrix.
CsvFitResult fit_table(const FeatureTable& table, const CsvFitOptions& options) {
  CsvFitResult out;
  if (table.values.hasNaN()) {
    throw Error(ErrorCode::kDataError,
                options.data.string() + ": k-means needs complete rows; drop or fill empty cells");
  }
  const auto km = regimes::kmeans::fit(table.values, {.n_clusters = options.hmm.n_states,
                                                      .n_init = std::max(options.hmm.n_init, 10),
                                                      .seed = options.hmm.seed});
  std::ostringstream summary;
  summary.precision(17);
  summary << "{\"method\": \"kmeans\", \"n_clusters\": " << options.hmm.n_states
          << ", \"inertia\": " << km.inertia << ", \"iterations\": " << km.iterations
          << ", \"converged\": " << (km.converged ? "true" : "false") << "}";
  out.summary_json = summary.str();
  // k-means centres saved as a spherical-covariance HMM-shaped document would mislead; keep
  // them as a plain JSON matrix.
  std::ostringstream params;
  params.precision(17);
  params << "{\"model\": \"kmeans\", \"features\": [";
  for (std::size_t i = 0; i < table.names.size(); ++i)
    params << (i ? ", " : "") << '"' << table.names[i] << '"';
  params << "], \"centers\": [";
  for (Eigen::Index k = 0; k < km.centers.rows(); ++k) {
    params << (k ? ", " : "") << "[";
    for (Eigen::Index d = 0; d < km.centers.cols(); ++d)
      params << (d ? ", " : "") << km.centers(k, d);
    params << "]";
  }
  params << "]}";
  out.params_json = params.str();
  return out;
}

}  // namespace

const RegimeMethod& kmeans_method() {
  static const RegimeMethod method{
      .name = "kmeans",
      .keys = {"kmeans"},
      .parse = parse,
      .states = [](const RegimeSpec& spec) -> std::optional<int> {
        return settings(spec).n_clusters;
      },
      .canonical = canonical,
      .fit = fit,
      .fit_csv = fit_table,
  };
  return method;
}

}  // namespace mre::workflows
