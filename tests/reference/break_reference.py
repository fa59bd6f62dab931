#!/usr/bin/env python3
"""Independent reference values (test oracles) for the break test (src/analyze/breaks.rs):
binomial maximum-likelihood fits of the smooth trend and of the jump and hinge alternatives
at fixed tau, their deviances and likelihood ratios, and the sup-LR over the module's grid.

Versions used: Python 3.11.7, numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0.
Run (from the repository root):
    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install numpy==2.4.6 scipy==1.17.1 statsmodels==0.15.0
    /tmp/refvenv/bin/python tests/reference/break_reference.py > tests/reference/break_reference.txt

Computed with statsmodels and scipy, NOT derived from the Rust code. Deterministic.
Output: one `key = value` per line, floats printed with repr().

Models, x = log10 N (uncentred), p = c + (1 - c) * expit(eta):
  null   eta = a + b x
  jump   eta = a + b x + d * [x > tau]      (tau between x_j and x_{j+1}: the indicator i > j)
  hinge  eta = a + b x + d * max(x - tau, 0)
deviance = 2 sum k ln(k/(n p)) + (n-k) ln((n-k)/(n(1-p))) (scipy.special.xlogy), lr = D_null - D_alt.
Grid of the sup (module header of breaks.rs): for j = 1..m-3, the jump at split j and the hinge
at tau = x_j and tau = (x_j + x_{j+1})/2.

c = 0: statsmodels GLM(endog = [k, n-k], exog, family=Binomial()), IRLS to tol 1e-13.
c > 0: scipy.optimize.minimize(-logL, method="BFGS", analytic gradient) from several starts,
then Newton steps with the Hessian from central differences of the analytic gradient.
Case "separated": the jump's left side is all 0, so the alternative's maximum is at infinity;
its deviance tends to 0 (the right side's two cells are fitted exactly by a + d and b), so
lr = D_null (derived by hand; statsmodels gives the null fit, which is not separated).
"""
import warnings

import numpy as np
import statsmodels.api as sm
from scipy import special
from scipy.optimize import minimize

warnings.simplefilter("ignore")


def out(key, v):
    print(f"{key} = {float(v)!r}")


def deviance(n, k, p):
    return 2 * np.sum(special.xlogy(k, k / (n * p)) + special.xlogy(n - k, (n - k) / (n * (1 - p))))


def design(x, kind, j=None, tau=None):
    cols = [np.ones_like(x), x]
    if kind == "jump":
        cols.append((np.arange(len(x)) > j).astype(float))
    elif kind == "hinge":
        cols.append(np.maximum(x - tau, 0.0))
    return np.column_stack(cols)


def fit_logit(n, k, X):
    res = sm.GLM(np.column_stack([k, n - k]), X, family=sm.families.Binomial()).fit(tol=1e-13, maxiter=200)
    p = res.fittedvalues
    return res.params, deviance(n, k, p), p


def fit_floor(n, k, X, c):
    def negll(b):
        eta = X @ b
        lp = np.log(c + (1 - c) * special.expit(eta))
        l1p = np.log(1 - c) + special.log_expit(-eta)
        return -np.sum(k * lp + (n - k) * l1p)

    def grad(b):
        eta = X @ b
        s = special.expit(eta)
        p = c + (1 - c) * s
        u = k * (1 - c) * s * (1 - s) / p - (n - k) * s
        return -X.T @ u

    best = None
    for a0 in (-3.0, -1.0, 0.0, 1.0):
        for b0 in (-1.0, 0.0, 1.0):
            x0 = np.zeros(X.shape[1])
            x0[0], x0[1] = a0 - b0 * X[:, 1].mean(), b0
            r = minimize(negll, x0, jac=grad, method="BFGS", options={"gtol": 1e-10, "maxiter": 10000})
            if best is None or r.fun < best.fun:
                best = r
    b = best.x
    for _ in range(20):
        h = 1e-6
        H = np.column_stack([(grad(b + h * e) - grad(b - h * e)) / (2 * h) for e in np.eye(len(b))])
        step = np.linalg.solve(0.5 * (H + H.T), grad(b))
        if negll(b - step) <= negll(b):
            b = b - step
    p = c + (1 - c) * special.expit(X @ b)
    return b, deviance(n, k, p), p


def fit(n, k, X, c):
    return fit_logit(n, k, X) if c == 0 else fit_floor(n, k, X, c)


def case(name, x, n, k, c, fixed):
    x, n, k = (np.asarray(v, float) for v in (x, n, k))
    b0, d0, p0 = fit(n, k, design(x, "null"), c)
    out(f"{name}.null.intercept", b0[0])
    out(f"{name}.null.slope", b0[1])
    out(f"{name}.null.deviance", d0)
    for i, p in enumerate(p0):
        out(f"{name}.null.rate{i}", p)
    for kind, j, tau in fixed:
        b, d, _ = fit(n, k, design(x, kind, j, tau), c)
        key = f"{name}.{kind}@{j if kind == 'jump' else repr(float(tau))}"
        out(f"{key}.delta", b[2])
        out(f"{key}.deviance", d)
        out(f"{key}.lr", d0 - d)
    m = len(x)
    grid = []
    for j in range(1, m - 2):
        grid.append(("jump", j, None))
        grid += [("hinge", j, x[j]), ("hinge", j, 0.5 * (x[j] + x[j + 1]))]
    lrs = [(d0 - fit(n, k, design(x, kind, j, tau), c)[1], kind, j, tau) for kind, j, tau in grid]
    lr, kind, j, tau = max(lrs, key=lambda t: t[0])
    out(f"{name}.sup.lr", lr)
    print(f"{name}.sup.kind = {kind}")
    print(f"{name}.sup.between = {j},{j + 1}")
    if tau is not None:
        out(f"{name}.sup.tau", tau)


X6 = np.log10([1e8, 3.98e8, 1.58e9, 6.31e9, 2.51e10, 1e11])
N300 = [300] * 6
# The example of issue 14: s2 steps between the 4th and 5th size; s0 curves smoothly.
case("s2", X6, N300, [30, 30, 30, 30, 255, 255], 0.0,
     [("jump", 3, None), ("hinge", 3, X6[3]), ("hinge", 2, 0.5 * (X6[2] + X6[3]))])
case("s0", X6, N300, [31, 68, 127, 190, 235, 259], 0.0,
     [("jump", 2, None), ("hinge", 3, 0.5 * (X6[3] + X6[4])), ("hinge", 1, X6[1])])
# A four-choice task (chance 0.25), 5 sizes of 100 items; the first below chance.
X5 = np.array([8.0, 8.75, 9.5, 10.25, 11.0])
case("floor", X5, [100] * 5, [22, 31, 33, 64, 86], 0.25,
     [("jump", 1, None), ("jump", 2, None), ("hinge", 2, X5[2]), ("hinge", 1, 0.5 * (X5[1] + X5[2]))])
# Quasi-separation: no success before the jump.
Xs = np.array([8.0, 8.5, 9.0, 9.5, 10.0, 10.5])
ns, ks = np.full(6, 200.0), np.array([0, 0, 0, 0, 120, 180], float)
b0, d0, _ = fit_logit(ns, ks, design(Xs, "null"))
out("separated.null.deviance", d0)
out("separated.jump@3.lr", d0)
