#!/usr/bin/env python3
"""Independent reference values (test oracles) for src/analyze/resolution.rs
(`emerge power` and the detection floor).

Computed with scipy.stats.binom (brute force over every n) and mpmath, NOT derived
from the Rust code (which searches over the critical count instead of over n).
Output: one `key value` pair per line, floats printed with f"{x:.17g}"
(round-trip exact for f64), integers as integers. Deterministic: no randomness.

Run (from tests/reference/, venv of README.md):
    /tmp/refvenv/bin/pip install numpy==2.4.6 scipy==1.17.1 mpmath==1.4.1
    /tmp/refvenv/bin/python resolution_reference.py > resolution_reference.txt
Generated with Python 3.11.7, numpy 2.4.6, scipy 1.17.1, mpmath 1.4.1.

Definitions (for a query rate p, confidence, power; alpha = 1 - confidence and
beta = 1 - power computed in float64, as the Rust code does):
  floor:n=<n>            detection floor 1 - 2^(-1/n) (mpmath, 50 digits)
  one:<query>            smallest n with 1 - (1-p)^n >= power      (mpmath, exact search)
  bound:<query>          smallest n with (1-p)^n <= alpha          (mpmath, exact search)
  zero:<query>           smallest n with power(n) >= power, where p0 = p/10,
                         c(n) = smallest c with binom.sf(c-1, n, p0) <= alpha and
                         power(n) = binom.sf(c(n)-1, n, p)          (scipy, every n from 1)
  crit:<query>           c(n) at that n
  null_tail:<query>      binom.sf(c-1, n, p0) at that n (the test's actual size)
  power_at:<query>       power(n) at that n
  dip:<query>            smallest n' > n with power(n') < power (sawtooth), or 0 if none
                         up to 2n; dip_power:<query> is power(n') there
  tail:n=<n>:p=<p>:c=<c> binom.sf(c-1, n, p) = P(X >= c), spot checks of the tail
<query> is rate=<p>:conf=<confidence>:power=<power>.
"""
import math

import mpmath
import numpy as np
from scipy import stats

mpmath.mp.dps = 50

QUERIES = [
    (0.011, 0.95, 0.8),
    (0.05, 0.95, 0.8),
    (0.001, 0.99, 0.9),
    (0.0001, 0.95, 0.8),
    (0.0001, 0.99, 0.99),
    (0.3, 0.9, 0.5),
]
TAILS = [
    (272, 0.0011, 2),
    (272, 0.011, 2),
    (6679, 0.0001, 4),
    (6679, 0.001, 4),
    (1000, 0.5, 520),
    (1000, 0.5, 480),
    (1_000_000, 1e-5, 20),
    (1_000_000, 1e-4, 80),
    (50, 0.02, 0),
    (50, 0.02, 51),
    (50, 0.9, 50),
]


def out(key, x):
    if isinstance(x, (int, np.integer)):
        print(f"{key} {int(x)}")
    else:
        print(f"{key} {float(x):.17g}")


def smallest_n_survival_below(p, target):
    """Smallest integer n >= 1 with (1 - p)^n <= target, exactly (mpmath, 50 digits)."""
    p, target = mpmath.mpf(p), mpmath.mpf(target)
    n = int(mpmath.ceil(mpmath.log(target) / mpmath.log1p(-p)))
    n = max(n, 1)
    while n > 1 and (1 - p) ** (n - 1) <= target:
        n -= 1
    while (1 - p) ** n > target:
        n += 1
    return n


def power_curve(p, alpha, n_max):
    """c(n) and power(n) for n = 1..n_max (arrays indexed by n - 1), brute force."""
    p0 = p / 10
    ns = np.arange(1, n_max + 1)
    # Initial guess from the quantile function, then fix each n exactly with sf.
    c = stats.binom.ppf(1 - alpha, ns, p0).astype(np.int64) + 1
    for _ in range(100):
        too_small = stats.binom.sf(c - 1, ns, p0) > alpha  # test size above alpha: raise c
        c = np.where(too_small, c + 1, c)
        can_lower = (c > 0) & (stats.binom.sf(c - 2, ns, p0) <= alpha)
        c = np.where(can_lower & ~too_small, c - 1, c)
        if not too_small.any() and not can_lower.any():
            break
    else:
        raise RuntimeError("critical counts did not settle")
    return c, stats.binom.sf(c - 1, ns, p)


for n in [1, 2, 10, 100, 1000, 1_000_000]:
    out(f"floor:n={n}", 1 - mpmath.power(2, -mpmath.mpf(1) / n))

for rate, conf, power in QUERIES:
    key = f"rate={rate}:conf={conf}:power={power}"
    alpha, beta = 1 - conf, 1 - power
    out(f"one:{key}", smallest_n_survival_below(rate, beta))
    out(f"bound:{key}", smallest_n_survival_below(rate, alpha))
    n_max = 1000
    while True:
        c, pw = power_curve(rate, alpha, n_max)
        hits = np.nonzero(pw >= power)[0]
        if hits.size and 2 * (hits[0] + 1) <= n_max:
            break
        n_max *= 4
    n = int(hits[0]) + 1
    out(f"zero:{key}", n)
    out(f"crit:{key}", c[n - 1])
    out(f"null_tail:{key}", stats.binom.sf(c[n - 1] - 1, n, rate / 10))
    out(f"power_at:{key}", pw[n - 1])
    dips = np.nonzero(pw[n: 2 * n] < power)[0]
    dip = n + 1 + int(dips[0]) if dips.size else 0
    out(f"dip:{key}", dip)
    out(f"dip_power:{key}", pw[dip - 1] if dip else math.nan)

for n, p, c in TAILS:
    out(f"tail:n={n}:p={p}:c={c}", stats.binom.sf(c - 1, n, p))
