"""Reference for tests/neural/lambert_w_test.cc: the heavy-tail Lambert W x Gaussian inverse of
Goerg (2015, eq. 9), W_delta(z) = sign(z) sqrt(W0(delta z^2) / delta), with W0 from
scipy.special.lambertw (principal branch). Reads "z,delta" lines; prints "W0(delta z^2),W_delta(z)"
lines with 17 significant digits. Run with Debian's /usr/bin/python3."""
import sys

import numpy as np
from scipy.special import lambertw


def main():
    data = np.loadtxt(sys.argv[1], delimiter=",", ndmin=2)
    for z, delta in data:
        w = lambertw(delta * z * z, 0).real
        u = np.sign(z) * np.sqrt(w / delta) if delta > 0 else z
        print(f"{w:.17g},{u:.17g}")


if __name__ == "__main__":
    main()
