// Student-t pieces for heavy-tailed shocks: the distribution function (through the regularised
// incomplete beta function, continued fraction of Press et al. 2007 section 6.4), its inverse,
// maximum-likelihood fits of a zero-location scaled t per series, and a t copula (Demarta &
// McNeil 2005): correlation from Kendall's tau (R_ij = sin(pi tau_ij / 2)), the copula's degrees
// of freedom by maximum likelihood on rank pseudo-observations.
#pragma once

#include <vector>

#include "mre/core/distributions.h"
#include "mre/core/linalg.h"

namespace mre::scm {

// The distribution functions (incomplete beta, Student t) live in core/distributions.h.
using mre::incomplete_beta;
using mre::student_t_cdf;
using mre::student_t_log_pdf;
using mre::student_t_quantile;

struct StudentTFit {
  double nu = 0.0;     // degrees of freedom, in [nu_min, nu_max] of the search
  double scale = 0.0;  // x / scale ~ t(nu)
  double log_likelihood = 0.0;
};
// Zero-location t by maximum likelihood: a grid over nu (log-spaced in [2.1, 100]) with the
// scale solved by EM at each nu, refined by golden section between the grid's neighbours.
// REQUIRES: at least 10 values, not all zero.
StudentTFit fit_student_t(const Vector& x);

struct TCopula {
  double nu = 0.0;                     // the copula's degrees of freedom
  Matrix correlation;                  // D x D
  std::vector<StudentTFit> margins{};  // per column
};
// REQUIRES: x is T x D with T >= 20, every column non-constant.
TCopula fit_t_copula(const Matrix& x);

// Kendall's tau of two series (tau-b, ties counted), O(n^2).
double kendall_tau(const Vector& a, const Vector& b);

}  // namespace mre::scm
