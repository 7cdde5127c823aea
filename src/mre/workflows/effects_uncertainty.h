// Per-query intervals for `mre effects estimate --uncertainty neural` (issue 24, point 3): the
// scale of the DML final-stage residual predicted from the controls by seed 001's
// UncertaintyEstimator (neural/uncertainty.h), trained out of fold on the DML's own folds, and
// split conformal calibration (neural/conformal.h) on the last fold's block, so that a nominal
// 90% interval for the OUTCOME at the query's controls covers about 90%. It is not an interval
// for the effect (that is the standard error's job). The constant-variance baseline (sigma = 1)
// is calibrated on the same block and reported beside it.
//
// Residual: e_i = (y_i - l(x_i)) - theta (t_i - m(x_i)), the out-of-fold final-stage residual of
// the partially linear model, theta the pooled effect. Prediction at controls x and treatment
// tau: l(x) + theta (tau - m(x)) (Chernozhukov et al. 2018: E[Y | X, T] = theta T + g(X), with
// l = theta m + g), the nuisances refitted exactly as the DML's last fold fitted them (on the rows
// before the last block, minus the embargo), so the calibration rows and the query are judged by
// the same fitted functions, none of which saw the calibration block.
#pragma once

#include "mre/codec/effects_json.h"
#include "mre/neural/uncertainty.h"
#include "mre/workflows/effects.h"

namespace mre::workflows {

struct EffectUncertaintyOptions {
  double level = 0.9;                       // nominal coverage, inside (0, 1)
  neural::ScaleNetworkConfig network = {};  // seed, threads, epochs, ...
  // "neural": sigma(x) from the network; "constant": sigma = 1 (the baseline alone, no torch).
  std::string scale = "neural";
};

// The interval at the controls of the panel's newest month that has them all (EffectsPanel::
// latest_controls, whose outcome is usually not known yet; else the newest row, the newest month
// with an observed outcome) for a treatment of the query's magnitude, plus the rolling
// out-of-sample check.
// REQUIRES: estimate.method == "dml" (InvalidArgument otherwise, naming --uncertainty).
// InvalidArgument naming "level" outside (0, 1), or an unknown scale; DataError when the last
// block has too few rows for the level ("calibration"), or a control is not finite; Unsupported
// without LibTorch (scale "neural").
codec::OutcomeInterval effect_uncertainty(const EffectEstimate& estimate,
                                          const EffectUncertaintyOptions& options);

// The pieces, for tests and the docs' figure: the final-stage residuals of an estimate and the
// out-of-fold predictions l(x) + theta (t - m(x)) (y minus the residual).
Vector final_stage_residual(const EffectEstimate& estimate);

}  // namespace mre::workflows
