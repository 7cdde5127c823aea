// Tree ensembles from Debian's XGBoost C library (libxgboost-dev): a random forest (one round
// of 100 parallel trees on row subsamples, no shrinkage) and gradient boosting. Single-threaded
// and seeded, so results are reproducible. Registered in learners.cc as "forest"/"boosting".
#pragma once

#include <memory>
#include <string>

#include "mre/causal/learners.h"

namespace mre::causal {

std::unique_ptr<Regressor> make_xgboost_regressor(const std::string& kind,
                                                  const LearnerOptions& options);
std::unique_ptr<Classifier> make_xgboost_classifier(const std::string& kind,
                                                    const LearnerOptions& options);

}  // namespace mre::causal
