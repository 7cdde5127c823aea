// The explicit registry of regime methods (regime_method.h). A new method (e.g. the jump model
// of regimes/jump/): its file in this folder, `jump.cc` defining `const RegimeMethod&
// jump_method()`, then one line in each of the two lists below.
#include "mre/regimes/hmm/gaussian_hmm.h"
#include "mre/workflows/detect_regimes.h"
#include "mre/workflows/regime_methods/regime_method.h"

namespace mre::workflows {

const RegimeMethod& hmm_method();     // hmm.cc
const RegimeMethod& kmeans_method();  // kmeans.cc
const RegimeMethod& rules_method();   // rules.cc
const RegimeMethod& jump_method();    // jump.cc

const std::vector<const RegimeMethod*>& regime_methods() {
  static const std::vector<const RegimeMethod*> methods = {
      &hmm_method(),
      &kmeans_method(),
      &rules_method(),
      &jump_method(),
  };
  return methods;
}

const RegimeMethod* find_regime_method(std::string_view name) {
  for (const auto* m : regime_methods()) {
    if (m->name == name) return m;
  }
  return nullptr;
}

namespace {

std::string names_of(const std::vector<const RegimeMethod*>& methods) {
  std::string out;
  for (std::size_t i = 0; i < methods.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == methods.size() ? " or " : ", ") + std::string(methods[i]->name);
  }
  return out;
}

}  // namespace

std::string regime_method_names() { return names_of(regime_methods()); }

std::string csv_regime_method_names() {
  std::vector<const RegimeMethod*> with_csv;
  for (const auto* m : regime_methods()) {
    if (m->fit_csv) with_csv.push_back(m);
  }
  return names_of(with_csv);
}

void write_hmm_settings(const RegimeSpec& s, std::ostream& out) {
  out << "n_states=" << s.hmm.n_states
      << "\ncovariance=" << regimes::hmm::covariance_name(s.hmm.covariance)
      << "\nn_iter=" << s.hmm.n_iter << "\ntol=" << s.hmm.tol << "\nn_init=" << s.hmm.n_init
      << "\nseed=" << s.hmm.seed << "\nmin_covar=" << s.hmm.min_covar << "\n";
  if (s.hmm.screen_iterations > 0) out << "screen_iterations=" << s.hmm.screen_iterations << "\n";
  if (s.hmm.covariance_prior != regimes::hmm::CovariancePrior::kNone)
    out << "covariance_prior=" << regimes::hmm::covariance_prior_name(s.hmm.covariance_prior)
        << "\n";
  if (s.hmm.acceleration != regimes::hmm::EmAcceleration::kNone)
    out << "acceleration=" << regimes::hmm::acceleration_name(s.hmm.acceleration) << "\n";
}

void write_schedule(const RegimeSpec& s, std::ostream& out) {
  if (s.standardize_min_observations > 0)
    out << "standardize=expanding," << s.standardize_min_observations << "\n";
  if (s.walk_forward) {
    out << "walk_forward=" << s.walk_forward->refit_every_months << ","
        << s.walk_forward->min_train_rows << "," << s.walk_forward->min_column_observations << "\n";
  }
}

std::vector<std::string> state_labels(const RegimeSpec& spec, int states,
                                      const std::string& prefix) {
  std::vector<std::string> out;
  for (int k = 0; k < states; ++k) {
    out.push_back(spec.labels.empty() ? prefix + std::to_string(k)
                                      : spec.labels[static_cast<std::size_t>(k)]);
  }
  return out;
}

}  // namespace mre::workflows
