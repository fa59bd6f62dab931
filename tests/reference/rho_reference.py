#!/usr/bin/env python3
"""Reference values (test oracles) for the `all:rho=R` compose operator
(src/compose/kernels.rs `all_correlated`), computed independently of the Rust code.

The model is the one `emerge simulate --rho R` draws from (src/simulate.rs): item i's
outcome on subtask j is 1[U_ij < p_j], where U_ij is, with probability r = sqrt(R),
the item's shared uniform U_i and otherwise a fresh uniform. Given U_i = u the
subtasks are independent, so

    P(all | u) = prod_j [ r * 1(u < p_j) + (1 - r) * p_j ],   P(all) = int_0^1 P(all | u) du.

Three ways to P(all), none of them the Rust code's prefix/suffix sums:
  quad   scipy.integrate.quad of P(all | u) over [0, 1], the rates as breakpoints
         (the integrand is a step function between them).
  enum   conditioning on the set S of subtasks that use the shared uniform (every
         subset, 2^k of them): P = sum_S r^|S| (1-r)^(k-|S|) min_{j in S} p_j
         prod_{j not in S} p_j, with the min over the empty set = 1.
  mc     a seeded Monte Carlo of the simulator's generator (numpy's own draws, not
         emerge's ChaCha8 stream): N items, the share whose subtasks are all 1, and
         its binomial standard error mc_se = sqrt(P(1-P)/N) at the quad value.
For many subtasks (large, half, tiny, spread, small), where 2^k subsets are too many:
  mp        the exact integral of the step function P(all | u) in mpmath at 50 digits:
            each interval between sorted rates, its width times P(all | u) at its
            midpoint, every one of the k factors multiplied out (O(k^2)); mp50 is the
            same number to 50 digits.
  binom     equal rates: the number m of subtasks using the shared uniform is
            Binomial(k, r); all correct with p^k if m = 0, else p * p^(k-m)
            (scipy.stats.binom.logpmf, summed in log space).
  old_betabinomial is what emerge's earlier all:rho returned (a beta-binomial on the
  geometric mean), kept to document the bug it fixes (issue 13): 30.2% > min p = 20%.

Output: one `key value` pair per line, floats printed with f"{x:.17g}" (round-trip
exact for f64). Keys are `rho:<case>:R=<R>:<method>`; the cases are listed in
CASES below. Deterministic: the Monte Carlo is seeded.

Run (from tests/reference/, venv of README.md):
    /tmp/refvenv/bin/python rho_reference.py > rho_reference.txt
Generated with Python 3.11.7, numpy 2.4.6, scipy 1.17.1, mpmath 1.4.1.
"""
import itertools
import math

import mpmath
import numpy as np
from scipy import integrate, stats

RS = [0.0, 0.1, 0.3, 0.5, 0.9, 1.0]
MC_ITEMS = 4_000_000
MC_SEED = 20240613

# The seed dataset's per-subtask rate at its largest size, evaluated as
# spine_reference.py does: 0.4 + 0.2*(10-8)/2 = 0.6000000000000001.
SEED_TOP = 0.4 + 0.2 * (10.0 - 8) / 2

CASES = {
    "equal:p=0.4:k=5": [0.4] * 5,
    "equal:p=0.6:k=5": [0.6] * 5,
    "seed_top:p=0.6000000000000001:k=5": [SEED_TOP] * 5,
    "unequal:p=0.1,0.5,0.9,0.3,0.7": [0.1, 0.5, 0.9, 0.3, 0.7],
    "min20:p=0.2,0.9": [0.2, 0.9],
    "k1:p=0.37": [0.37],
    "zero:p=0,0.5,0.8": [0.0, 0.5, 0.8],
    "one:p=1,0.5,0.8": [1.0, 0.5, 0.8],
    "ones:p=1,1": [1.0, 1.0],
}


def out(key, x):
    print(f"{key} {float(x):.17g}")


def conditional(u, p, r):
    return np.prod(r * (u < p) + (1 - r) * p)


def by_quad(p, r):
    p = np.asarray(p, dtype=float)
    inner = sorted({x for x in p if 0.0 < x < 1.0})
    value, err = integrate.quad(conditional, 0.0, 1.0, args=(p, r), points=inner or None,
                                epsabs=1e-15, epsrel=1e-13, limit=500)
    assert err <= 1e-12 * value + 1e-15, (p, r, value, err)
    return value


def by_enumeration(p, r):
    k = len(p)
    terms = []
    for mask in itertools.product([False, True], repeat=k):
        s = [pj for pj, m in zip(p, mask) if m]
        rest = [pj for pj, m in zip(p, mask) if not m]
        weight = r ** len(s) * (1 - r) ** (k - len(s))
        terms.append(weight * (min(s) if s else 1.0) * math.prod(rest))
    return math.fsum(terms)


def by_monte_carlo(p, r, seed):
    rng = np.random.default_rng(seed)
    p = np.asarray(p, dtype=float)
    hits, chunk = 0, 500_000
    for _ in range(MC_ITEMS // chunk):
        shared = rng.random(chunk)
        use = rng.random((chunk, len(p))) < r
        u = np.where(use, shared[:, None], rng.random((chunk, len(p))))
        hits += int((u < p).all(axis=1).sum())
    return hits / MC_ITEMS


def by_binomial_count(k, p, r):
    """Equal rates, in log space: m ~ Binomial(k, r) subtasks use the shared uniform."""
    m = np.arange(k + 1)
    with np.errstate(divide="ignore"):
        log_success = np.where(m == 0, k * math.log(p), math.log(p) + (k - m) * math.log(p))
        log_terms = stats.binom.logpmf(m, k, r) + log_success
    top = log_terms.max()
    return math.exp(top) * math.fsum(np.exp(log_terms - top))


def old_betabinomial(p, big_r):
    pbar = math.exp(np.mean(np.log(p)))
    a, ab = pbar * (1 - big_r) / big_r, (1 - big_r) / big_r
    return math.prod((a + j) / (ab + j) for j in range(len(p)))


seed = MC_SEED
for name, p in CASES.items():
    for big_r in RS:
        r = math.sqrt(big_r)
        key = f"rho:{name}:R={big_r}"
        q = by_quad(p, r)
        e = by_enumeration(p, r)
        assert abs(q - e) <= 1e-13 * max(q, 1e-300) + 1e-300, (key, q, e)
        out(key + ":quad", q)
        out(key + ":enum", e)
        if name.startswith("equal") or name.startswith("seed_top"):
            out(key + ":binom", by_binomial_count(len(p), p[0], r))
        if 0.0 < big_r < 1.0 and name in ("equal:p=0.4:k=5", "unequal:p=0.1,0.5,0.9,0.3,0.7",
                                          "min20:p=0.2,0.9"):
            mc = by_monte_carlo(p, r, seed)
            seed += 1
            se = math.sqrt(q * (1 - q) / MC_ITEMS)
            assert abs(mc - q) < 4 * se, (key, mc, q, se)
            out(key + ":mc", mc)
            out(key + ":mc_se", se)
out("rho:min20:p=0.2,0.9:R=0.5:old_betabinomial", old_betabinomial([0.2, 0.9], 0.5))

# Many subtasks: products of thousands of factors, some far below f64's range. The
# rates and r = sqrt(R) are taken as the f64 values the Rust code sees, then the
# integral is evaluated at 50 digits.
mpmath.mp.dps = 50


def mp_pieces(p, big_r):
    """Exact integral of the step function P(all | u) in mpmath: for each interval
    between sorted rates, its width times P(all | u) at its midpoint (all k factors)."""
    r = mpmath.mpf(math.sqrt(big_r))
    p = sorted(mpmath.mpf(x) for x in p)
    edges = [mpmath.mpf(0)] + p + [mpmath.mpf(1)]
    total = mpmath.mpf(0)
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi > lo:
            u = (lo + hi) / 2
            total += (hi - lo) * mpmath.fprod(r * (u < x) + (1 - r) * x for x in p)
    return total


def mp_equal(k, p, big_r):
    """Equal rates: two intervals, [0, p) where every factor is r + (1-r)p, and [p, 1]."""
    r, p = mpmath.mpf(math.sqrt(big_r)), mpmath.mpf(p)
    return p * (r + (1 - r) * p) ** k + (1 - p) * ((1 - r) * p) ** k


for name, k, p, big_r in [("large", 10_000, 1 - 1e-4, 0.3), ("half", 10_000, 0.5, 0.3),
                          ("tiny", 2_000, 1e-3, 0.5)]:
    key = f"rho:{name}:k={k}:p={p}:R={big_r}"
    exact = mp_equal(k, p, big_r)
    b = by_binomial_count(k, p, math.sqrt(big_r))
    assert abs(b - float(exact)) <= 1e-11 * float(exact), (key, b, exact)
    out(key + ":binom", b)
    out(key + ":mp", exact)
    print(f"{key}:mp50 {mpmath.nstr(exact, 50)}")

# Unequal rates, given by formulas that are exact in f64 arithmetic in any language.
spread = [0.5 + 0.499 * i / 999 for i in range(1000)]
small = [1e-4 * (i + 1) for i in range(1000)]
for name, p, big_r in [("spread:k=1000:p=0.5+0.499*i/999", spread, 0.3),
                       ("spread:k=1000:p=0.5+0.499*i/999", spread, 0.9),
                       ("small:k=1000:p=1e-4*(i+1)", small, 0.5)]:
    key = f"rho:{name}:R={big_r}"
    exact = mp_pieces(p, big_r)
    out(key + ":mp", exact)
    print(f"{key}:mp50 {mpmath.nstr(exact, 50)}")
