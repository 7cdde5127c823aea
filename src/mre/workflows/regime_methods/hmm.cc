// Regime method `hmm`: a Gaussian HMM, walk-forward (expanding refits, filtered probabilities:
// no look-ahead) unless `walk_forward: off`, optionally on expanding z-scores (`standardize`).
#include <sstream>

#include "mre/codec/hmm_json.h"
#include "mre/core/error.h"
#include "mre/regimes/hmm/forward_backward.h"
#include "mre/regimes/standardize.h"
#include "mre/workflows/detect_regimes.h"
#include "mre/workflows/regime_methods/regime_method.h"
#include "mre/workflows/regimes_csv.h"

namespace mre::workflows {
namespace {

RegimeFitOutput fit(const RegimeFitInput& in) {
  const RegimeSpec& spec = in.spec;
  Matrix data = in.data;
  RegimeFitOutput out;
  if (spec.standardize_min_observations > 0) {
    if (spec.standardize_min_observations > data.rows()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "standardize: min_observations (" +
                      std::to_string(spec.standardize_min_observations) +
                      ") is longer than the data (" + std::to_string(data.rows()) +
                      " rows of feature version " + in.feature_version + ")");
    }
    data = regimes::expanding_zscore(data, spec.standardize_min_observations);
  }
  // Rows with no feature at all (before every series starts) carry no information: skip them.
  std::vector<Eigen::Index> keep;
  for (Eigen::Index t = 0; t < data.rows(); ++t) {
    if (!data.row(t).array().isNaN().all()) keep.push_back(t);
  }
  Matrix x(static_cast<Eigen::Index>(keep.size()), data.cols());
  std::vector<Date> dates;
  for (std::size_t i = 0; i < keep.size(); ++i) {
    x.row(static_cast<Eigen::Index>(i)) = data.row(keep[i]);
    dates.push_back(in.dates[static_cast<std::size_t>(keep[i])]);
  }
  std::ostringstream diagnostics;
  diagnostics.precision(17);
  Matrix filtered;
  if (spec.walk_forward) {
    const auto wf = regimes::walk_forward_hmm(dates, x, spec.hmm, *spec.walk_forward);
    filtered = wf.filtered;
    out.refits = wf.refits.size();
    out.params_json = codec::hmm_params_to_json(wf.refits.back().fit.params, in.columns);
    out.trained_from = dates.front();
    out.trained_to = dates[wf.refits.back().rows - 1];
    diagnostics << "{\"method\": \"hmm\", \"walk_forward\": true, \"standardize\": "
                << (spec.standardize_min_observations > 0
                        ? "\"expanding z-scores from " +
                              std::to_string(spec.standardize_min_observations) + " observations\""
                        : std::string("null"))
                << ", \"refit_every_months\": " << spec.walk_forward->refit_every_months
                << ", \"refits\": [";
    for (std::size_t j = 0; j < wf.refits.size(); ++j) {
      const auto& r = wf.refits[j];
      diagnostics << (j ? ", " : "") << "{\"from\": \"" << r.date.iso()
                  << "\", \"rows\": " << r.rows << ", \"log_likelihood\": " << r.fit.log_likelihood
                  << ", \"iterations\": " << r.fit.iterations
                  << ", \"converged\": " << (r.fit.converged ? "true" : "false")
                  << ", \"bic\": " << r.fit.bic
                  << ", \"active_columns\": " << r.active_columns.size() << "}";
    }
    diagnostics << "]}";
  } else {
    const auto fitted = regimes::hmm::fit(x, spec.hmm);
    filtered = regimes::hmm::forward_filter(regimes::hmm::log_emission(fitted.params, x),
                                            fitted.params.transition, fitted.params.initial)
                   .filtered;
    out.params_json = codec::hmm_params_to_json(fitted.params, in.columns);
    out.trained_from = dates.front();
    out.trained_to = dates.back();
    diagnostics << "{\"method\": \"hmm\", \"walk_forward\": false, \"note\": \"in-sample fit: "
                   "parameters use all "
                   "dates\", \"summary\": "
                << codec::hmm_fit_summary_json(fitted, keep.size()) << "}";
  }
  out.diagnostics_json = diagnostics.str();
  out.probabilities =
      Matrix::Constant(data.rows(), spec.hmm.n_states, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < keep.size(); ++i)
    out.probabilities.row(keep[i]) = filtered.row(static_cast<Eigen::Index>(i));
  out.labels = state_labels(spec, spec.hmm.n_states, "S");
  return out;
}

// `mre regimes fit --data CSV` (the default method): a Gaussian HMM, warm-started from
// saved parameters with --init.
CsvFitResult fit_table(const FeatureTable& table, const CsvFitOptions& options) {
  CsvFitResult out;
  regimes::hmm::GaussianHmmFit fit;
  if (options.init) {
    const auto loaded =
        codec::hmm_params_from_json(read_text_file(*options.init), options.init->string());
    if (loaded.params.n_features() != table.values.cols()) {
      throw Error(ErrorCode::kInvalidArgument, options.init->string() + ": the model has " +
                                                   std::to_string(loaded.params.n_features()) +
                                                   " features, " + options.data.string() + " has " +
                                                   std::to_string(table.values.cols()));
    }
    auto config = options.hmm;
    config.covariance = loaded.params.covariance;
    fit = regimes::hmm::fit_from(columns_in_order(table, loaded.features, options.data),
                                 loaded.params, config);
  } else {
    fit = regimes::hmm::fit(table.values, options.hmm);
  }
  out.params_json = codec::hmm_params_to_json(fit.params, table.names);
  out.summary_json =
      codec::hmm_fit_summary_json(fit, static_cast<std::size_t>(table.values.rows()));
  return out;
}

}  // namespace

const RegimeMethod& hmm_method() {
  static const RegimeMethod method{
      .name = "hmm",
      .keys = {},
      .walk_forward_by_default = true,
      .standardizes = true,
      // `hmm`, `walk_forward` (on by default here) and `standardize` are read with the common keys.
      .parse = [](const std::filesystem::path&, const YAML::Node&, RegimeSpec&) {},
      .states = [](const RegimeSpec& spec) -> std::optional<int> { return spec.hmm.n_states; },
      .canonical =
          [](const RegimeSpec& spec, std::ostream& out) {
            write_hmm_settings(spec, out);
            write_schedule(spec, out);
          },
      .fit = fit,
      .fit_csv = fit_table,
  };
  return method;
}

}  // namespace mre::workflows
