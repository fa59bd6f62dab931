"""Reference values for `scoring::sign_flip`, the studentised sign-flip interval of a
pooled mean difference over clusters (src/analyze/forecast/scoring.rs).

Independent of the Rust code's algebra: for a candidate theta0 it centres each cluster's
sum, r_g = S_g - theta0 * n_g, flips the signs of the r_g by every pattern with the first
cluster kept, recomputes the cluster-robust t statistic of each flipped set directly from
its definition,

    t = sum(r) / sqrt(sum((r_g - n_g * sum(r) / N)^2)),

and rejects theta0 when at most floor((1 - level) * patterns) patterns give |t| at least
as large as the observed one (the identity included). Each end of the interval is the
boundary of the rejected region found by 200 bisection steps between the estimate (never
rejected) and a value 1000 spreads away (always rejected here), in floating point; a tie
counts as "at least as large" within a relative 1e-12, as in the Rust code, so an end can
sit about 1e-12 from where exact arithmetic would put it.

Python standard library only. Run:

    python3 tests/reference/sign_flip_reference.py > tests/reference/sign_flip_reference.txt

Generated with Python 3.11.7; deterministic.
"""

import itertools
import math

LEVEL = 0.95

CASES = {
    # six clusters of unequal sizes
    "six": [(3.0, 1), (-1.0, 2), (4.5, 3), (0.5, 1), (-2.0, 1), (6.0, 4)],
    # eight clusters, one large one dominating, mostly negative differences
    "eight": [(-12.0, 5), (3.0, 1), (-4.0, 2), (-30.0, 10), (1.5, 1), (-2.5, 3), (0.0, 1), (-8.0, 2)],
    # seven singleton clusters (the Hartigan case)
    "seven_singletons": [(0.3, 1), (-1.2, 1), (2.5, 1), (0.9, 1), (1.7, 1), (-0.4, 1), (3.1, 1)],
}


def t_squared(r, n):
    total_n = sum(n)
    m = sum(r) / total_n
    q = sum((ri - ni * m) ** 2 for ri, ni in zip(r, n))
    s = sum(r)
    if q == 0.0:
        return 0.0 if s == 0.0 else math.inf
    return s * s / q


def rejects(theta, sums):
    n = [c for _, c in sums]
    r = [s - theta * c for s, c in sums]
    g = len(sums)
    observed = t_squared(r, n)
    patterns = list(itertools.product([1.0, -1.0], repeat=g - 1))
    at_least = 0
    for p in patterns:
        signs = (1.0,) + p
        flipped = [e * x for e, x in zip(signs, r)]
        if t_squared(flipped, n) >= observed * (1.0 - 1e-12):
            at_least += 1
    allowed = math.floor((1.0 - LEVEL) * len(patterns) + 1e-9)
    if allowed < 1:
        return None  # no pattern can reject
    return at_least <= allowed


def end(sums, direction):
    n_total = sum(c for _, c in sums)
    estimate = sum(s for s, _ in sums) / n_total
    spread = math.sqrt(sum((s - estimate * c) ** 2 for s, c in sums)) / n_total
    inside, outside = estimate, estimate + direction * 1000.0 * spread
    assert rejects(outside, sums)
    assert not rejects(inside, sums)
    for _ in range(200):
        mid = 0.5 * (inside + outside)
        if rejects(mid, sums):
            outside = mid
        else:
            inside = mid
    return 0.5 * (inside + outside)


for name, sums in CASES.items():
    n_total = sum(c for _, c in sums)
    print(f"{name}_estimate {sum(s for s, _ in sums) / n_total:.17g}")
    print(f"{name}_low {end(sums, -1.0):.17g}")
    print(f"{name}_high {end(sums, 1.0):.17g}")

five = [(1.0, 1), (2.0, 2), (-1.0, 1), (4.0, 3), (0.5, 1)]
print(f"five_clusters_can_reject {rejects(100.0, five) is not None}")
