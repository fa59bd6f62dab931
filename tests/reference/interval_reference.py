#!/usr/bin/env python3
"""Independent reference values (test oracles) for src/analyze/interval.rs.

Computed with statsmodels / numpy / scipy / mpmath, NOT derived from the Rust code.
Output: one `key value` pair per line, floats printed with f"{x:.17g}"
(round-trip exact for f64). Deterministic: no randomness anywhere.

Run (from tests/reference/, venv of README.md plus statsmodels):
    /tmp/refvenv/bin/pip install numpy==2.4.6 scipy==1.17.1 mpmath==1.4.1 statsmodels==0.15.0
    /tmp/refvenv/bin/python interval_reference.py > interval_reference.txt
Generated with Python 3.11.7, numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0, mpmath 1.4.1
(about 8 s; the mpmath Clopper-Pearson solves dominate).

Keys:
  ci:<method>:x=<x>:n=<n>:level=<level>:low|high
      statsmodels.stats.proportion.proportion_confint(x, n, alpha=1 - level, method=...)
      with method "wilson" (Wilson score) or "beta" (Clopper-Pearson), here named
      wilson / clopper-pearson. alpha is computed as 1 - level, exactly as the Rust code.
  ci_large:<method>:x=<x>:n=<n>:low|high   the same at level 0.95 for n up to 1e9.
  ci_mp:clopper-pearson:x=<x>:n=<n>:level=<level>:low|high
      Clopper-Pearson solved in 40-digit mpmath from exact binomial tails (independent of
      scipy's Beta quantiles, which lose accuracy for large n: 8.8e-12 relative at x=3,
      n=1e6 and 9.1e-9 at x=1, n=1e9, both upper bounds).
  quantile:q=<q>              numpy.quantile(LIST, q) (default method "linear")
  percentile:p=<p>            numpy.percentile(LIST, p); identical to quantile:q=p/100
  pct_interval:level=<l>:low|high
      numpy.quantile(LIST, [(1 - l) / 2, (1 + l) / 2]), the Rust percentile_interval
  pct_interval_nan:level=<l>:low|high
      numpy.nanquantile(LIST_WITH_NAN, ...) (NaNs ignored)
  coverage_exact:<method>:p=<p>:n=<n>
      exact coverage sum_x binom.pmf(x, n, p) * [low(x) <= p <= high(x)] of the
      statsmodels interval at level 0.95; coverage_exact_pooled:<method> is the mean
      over the 12 cells (the expectation of the Rust pooled simulation).
"""
import mpmath
import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

METHODS = {"wilson": "wilson", "clopper-pearson": "beta"}
CASES = [(0, 10), (1, 10), (5, 10), (10, 10), (3, 1000), (0, 1000), (250, 1000), (999, 1000)]
LEVELS = [0.95, 0.99]
# Large n, level 0.95 only: keys ci_large:<method>:x=<x>:n=<n>:low|high.
CASES_LARGE = [(1, 100_000), (12_345, 100_000), (3, 10**6), (250_000, 10**6), (999_990, 10**6),
               (1, 10**9), (500_000_000, 10**9)]

LIST = [3.1, -0.5, 2.2, 7.75, 0.0, 1.0 / 3.0, 5.5, 2.2, 10.0, -4.25, 0.1, 6.0, 1e-3]
LIST_WITH_NAN = [0.7, float("nan"), -1.5, 2.25, float("nan"), 9.0, 0.125, 4.0]
QS = [0.0, 0.025, 0.05, 0.1, 0.25, 0.5, 0.6180339887, 0.75, 0.9, 0.95, 0.975, 1.0]
PS = [0.0, 2.5, 5.0, 50.0, 95.0, 97.5, 100.0]
PCT_LEVELS = [0.5, 0.8, 0.9, 0.95, 0.99]

RATES = [0.02, 0.1, 0.3, 0.5]
SIZES = [50, 200, 1000]


mpmath.mp.dps = 40


def out(key, x):
    print(f"{key} {float(x):.17g}")


def ci(method, x, n, level):
    return proportion_confint(x, n, alpha=1 - level, method=METHODS[method])


def tail_mp(x, n, p, upper):
    """P(X >= x) (upper) or P(X <= x) for X ~ Binomial(n, p) in 40-digit mpmath: pmf from
    loggamma, terms summed outward from the end nearer the mode (or 1 - the other tail
    when the tail holds the mean) until they fall below 1e-45 of the sum."""
    q = 1 - p

    def pmf(k):
        return mpmath.exp(mpmath.loggamma(n + 1) - mpmath.loggamma(k + 1) - mpmath.loggamma(n - k + 1)
                          + k * mpmath.log(p) + (n - k) * mpmath.log1p(-p))

    def run(start, step):
        k, term = start, pmf(start)
        total = term
        while (k < n) if step > 0 else (k > 0):
            term *= mpmath.mpf(n - k) / (k + 1) * p / q if step > 0 else mpmath.mpf(k) / (n - k + 1) * q / p
            k += step
            total += term
            if term < total * mpmath.mpf(10) ** -45:
                break
        return total

    if upper:
        return run(x, 1) if x > n * p else 1 - run(x - 1, -1)
    return run(x, -1) if x < n * p else 1 - run(x + 1, 1)


def clopper_pearson_mp(x, n, level):
    """Clopper-Pearson bounds to ~30 digits: low solves P(X >= x | low) = alpha/2, high
    solves P(X <= x | high) = alpha/2 (the binomial form of the Beta quantiles), by the
    secant method started at scipy's value. alpha/2 is the float64 (1 - level) / 2."""
    a2 = mpmath.mpf((1 - level) / 2)
    tol = mpmath.mpf(10) ** -60
    low, high = mpmath.mpf(0), mpmath.mpf(1)
    if x > 0:
        g = mpmath.mpf(stats.beta.ppf(float(a2), x, n - x + 1))
        low = mpmath.findroot(lambda p: tail_mp(x, n, p, True) - a2, (g * (1 - 1e-9), g * (1 + 1e-9)),
                              solver="secant", tol=tol)
    if x < n:
        g = mpmath.mpf(stats.beta.isf(float(a2), x + 1, n - x))
        high = mpmath.findroot(lambda p: tail_mp(x, n, p, False) - a2, (g * (1 - 1e-9), g * (1 + 1e-9)),
                               solver="secant", tol=tol)
    return low, high


for method in METHODS:
    for level in LEVELS:
        for x, n in CASES:
            low, high = ci(method, x, n, level)
            out(f"ci:{method}:x={x}:n={n}:level={level}:low", low)
            out(f"ci:{method}:x={x}:n={n}:level={level}:high", high)

for method in METHODS:
    for x, n in CASES_LARGE:
        low, high = ci(method, x, n, 0.95)
        out(f"ci_large:{method}:x={x}:n={n}:low", low)
        out(f"ci_large:{method}:x={x}:n={n}:high", high)

# mpmath Clopper-Pearson (skipping x=5e8, n=1e9, which takes minutes at 40 digits).
for level in LEVELS:
    for x, n in CASES:
        low, high = clopper_pearson_mp(x, n, level)
        out(f"ci_mp:clopper-pearson:x={x}:n={n}:level={level}:low", low)
        out(f"ci_mp:clopper-pearson:x={x}:n={n}:level={level}:high", high)
for x, n in CASES_LARGE[:-1]:
    low, high = clopper_pearson_mp(x, n, 0.95)
    out(f"ci_mp:clopper-pearson:x={x}:n={n}:level=0.95:low", low)
    out(f"ci_mp:clopper-pearson:x={x}:n={n}:level=0.95:high", high)

for q in QS:
    out(f"quantile:q={q}", np.quantile(np.array(LIST), q))
for p in PS:
    out(f"percentile:p={p}", np.percentile(np.array(LIST), p))
for level in PCT_LEVELS:
    low, high = np.quantile(np.array(LIST), [(1 - level) / 2, (1 + level) / 2])
    out(f"pct_interval:level={level}:low", low)
    out(f"pct_interval:level={level}:high", high)
    low, high = np.nanquantile(np.array(LIST_WITH_NAN), [(1 - level) / 2, (1 + level) / 2])
    out(f"pct_interval_nan:level={level}:low", low)
    out(f"pct_interval_nan:level={level}:high", high)

for method in METHODS:
    cells = []
    for p in RATES:
        for n in SIZES:
            xs = np.arange(n + 1)
            low, high = ci(method, xs, n, 0.95)
            covered = (low <= p) & (p <= high)
            cov = float(np.sum(stats.binom.pmf(xs, n, p)[covered]))
            cells.append(cov)
            out(f"coverage_exact:{method}:p={p}:n={n}", cov)
    out(f"coverage_exact_pooled:{method}", np.mean(cells))
