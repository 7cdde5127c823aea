// The heavy-tail Lambert W x Gaussian transform of Goerg (2015, "The Lambert Way to Gaussianize
// heavy-tailed data with the inverse of Tukey's h transformation as a special case", The
// Scientific World Journal), the preprocessing of Wiese et al. (2020, Quant GANs, section 6.1):
// heavy-tailed returns are made nearly Gaussian before the networks see them and the generated
// values are mapped back. Pure (no LibTorch): tested against scipy.special.lambertw.
//
//   forward (adds tails):   y = mu + sigma * u * exp(delta * u^2 / 2),   u ~ N(0, 1)
//   inverse (Gaussianizes): u = W_delta(z) = sign(z) * sqrt(W0(delta * z^2) / delta),
//                           z = (y - mu) / sigma   (Goerg 2015, eq. 9),
// with W0 the principal branch of Lambert's W (w e^w = x).
#pragma once

#include <vector>

#include "mre/core/linalg.h"

namespace mre::neural {

// W0(x) for x >= 0: Halley's iteration from log1p(x) (Corless et al. 1996, eq. 5.9) to a relative
// step below 1e-16. InvalidArgument for x < 0 or not finite.
double lambert_w0(double x);

// W_delta(z) above (delta >= 0; delta = 0 is the identity).
double lambert_w_inverse(double z, double delta);
// u * exp(delta * u^2 / 2).
double lambert_w_forward(double u, double delta);

struct LambertWParams {
  double mu = 0.0;     // location of the latent Gaussian input
  double sigma = 1.0;  // its scale
  double delta = 0.0;  // tail parameter (0: Gaussian)
};

struct LambertWFit {
  LambertWParams params{};
  int iterations = 0;
  bool converged = false;
};

// Goerg's iterative generalized method of moments (IGMM, Goerg 2015 section 4.2, there for
// delta alone): from mu = median, sigma = standard deviation, repeat
//   z = (y - mu) / sigma; delta = the root of kurtosis(W_delta(z)) = 3 (bisection on
//   [0, 1/2.1], a finite variance: lambert_w.cc; 0 when z is not heavy-tailed, the bound when
//   even it leaves excess kurtosis); x = mu + sigma W_delta(z); mu, sigma = mean, sd of x
// until mu, sigma and delta move by less than `tolerance`. DataError for fewer than 10 values or
// a non-finite one, or zero spread.
LambertWFit fit_lambert_w(const Vector& y, double tolerance = 1e-8, int max_iterations = 200);

// The Gaussianized values (y - mu) / sigma -> W_delta, and back.
Vector gaussianize(const Vector& y, const LambertWParams& p);
Vector degaussianize(const Vector& u, const LambertWParams& p);

}  // namespace mre::neural
