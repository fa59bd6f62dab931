"""Reference values for src/analyze/dependence.rs (issue 14, question 2, item-level data).

Independent of the Rust code: the all-correct probability of `emerge simulate`'s model is
enumerated over every subset S of subtasks that use the item's shared uniform,
    A(p; r) = sum_S r^|S| (1 - r)^(k - |S|) * min_{j in S} p_j * prod_{j not in S} p_j,
(min over the empty set = 1) instead of the sorted closed form of compose::all_correlated;
its derivative in r is taken term by term. r_hat comes from scipy's bounded Brent search,
and each score statistic z_h is the t value of h in a statsmodels WLS regression of the
residuals e on [g, h] with the scale fixed at 1 (known variances 1/w), which is
h~' W e / sqrt(h~' W h~) with h~ = h minus its weighted projection on g.

Run: python3 tests/reference/dependence_reference.py > tests/reference/dependence_reference.txt
(numpy, scipy, statsmodels; versions printed in the output).
"""
import itertools

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy.optimize import minimize_scalar

K = 3
# (log10 size, {pattern: items}); bit j = subtask j correct.
SIZES = [
    (8.0, {0b111: 20, 0b011: 30, 0b101: 10, 0b110: 15, 0b001: 40, 0b010: 35, 0b100: 20, 0b000: 30}),
    (9.0, {0b111: 60, 0b011: 30, 0b101: 20, 0b110: 20, 0b001: 20, 0b010: 20, 0b100: 10, 0b000: 20}),
    (10.0, {0b111: 110, 0b011: 20, 0b101: 15, 0b110: 15, 0b001: 10, 0b010: 10, 0b100: 10, 0b000: 10}),
    (11.0, {0b111: 160, 0b011: 10, 0b101: 8, 0b110: 8, 0b001: 4, 0b010: 4, 0b100: 3, 0b000: 3}),
]
W = np.array([4.0, 9.0, 25.0, 50.0])


def corrected(patterns):
    n = sum(patterns.values())
    half = lambda x: (x + 0.5) / (n + 1.0)
    full = (1 << K) - 1
    all_correct = sum(c for p, c in patterns.items() if p & full == full)
    sub = [sum(c for p, c in patterns.items() if p >> j & 1) for j in range(K)]
    return np.log(half(all_correct)), np.array([half(x) for x in sub])


def A(p, r):
    total = 0.0
    for S in itertools.product([0, 1], repeat=len(p)):
        m = sum(S)
        shared = [p[j] for j in range(len(p)) if S[j]]
        fresh = [p[j] for j in range(len(p)) if not S[j]]
        total += r**m * (1 - r) ** (len(p) - m) * (min(shared) if shared else 1.0) * np.prod(fresh)
    return total


def dA(p, r):
    total = 0.0
    k = len(p)
    for S in itertools.product([0, 1], repeat=k):
        m = sum(S)
        shared = [p[j] for j in range(k) if S[j]]
        fresh = [p[j] for j in range(k) if not S[j]]
        d = (m * r ** (m - 1) if m else 0.0) * (1 - r) ** (k - m) - (
            r**m * (k - m) * (1 - r) ** (k - m - 1) if k > m else 0.0
        )
        total += d * (min(shared) if shared else 1.0) * np.prod(fresh)
    return total


print(f"numpy {np.__version__}, scipy {scipy.__version__}, statsmodels {statsmodels.__version__}")

# By hand: k = 2, 10 items: 4 with both, 1 with subtask 0 only, 5 with neither.
la, p = (np.log(4.5 / 11), np.array([5.5 / 11, 4.5 / 11]))
print(f"hand excess (= ln 2) {la - np.log(p).sum():.15f}")

obs = [corrected(pat) for _, pat in SIZES]
x = np.array([s[0] for s in SIZES])
for (xs, _), (la, p) in zip(SIZES, obs):
    print(f"x {xs}: excess {la - np.log(p).sum():.12f}")

loss = lambda r: sum(w * (la - np.log(A(p, r))) ** 2 for w, (la, p) in zip(W, obs))
fit = minimize_scalar(loss, bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-12})
r = fit.x
print(f"r_hat {r:.10f} rho_hat {r * r:.10f}")
e = np.array([la - np.log(A(p, r)) for la, p in obs])
g = np.array([-dA(p, r) / A(p, r) for _, p in obs])
for (xs, _), (la, p) in zip(SIZES, obs):
    print(f"x {xs}: expected excess at rho_hat {np.log(A(p, r)) - np.log(p).sum():.10f}")
shapes = {"slope": x, "step after 8": (x > 8.5) * 1.0, "step after 9": (x > 9.5) * 1.0}
z = {}
for name, h in shapes.items():
    res = sm.WLS(e, np.column_stack([g, h]), weights=W).fit(cov_type="fixed scale", cov_kwds={"scale": 1.0})
    z[name] = res.tvalues[1]
    print(f"z {name} {z[name]:.10f}")
best = max(z, key=z.get)
print(f"T {z[best]:.10f} at {best}")

# Delta-method standard error of E at one size, for comparison with the item bootstrap:
# influence a_i = 1[all]_i / P - sum_j y_ij / p_j, var(E) ~ var(a) / n.
pat = SIZES[1][1]
n = sum(pat.values())
P = sum(c for q, c in pat.items() if q == 0b111) / n
pj = [sum(c for q, c in pat.items() if q >> j & 1) / n for j in range(K)]
a = [((q == 0b111) / P - sum((q >> j & 1) / pj[j] for j in range(K)), c) for q, c in pat.items()]
mean = sum(v * c for v, c in a) / n
var = sum((v - mean) ** 2 * c for v, c in a) / n
print(f"delta-method se of the excess at x 9.0: {np.sqrt(var / n):.10f}")
