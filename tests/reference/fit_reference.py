#!/usr/bin/env python3
"""Independent reference values (test oracles) for src/analyze/fit/ (curve fitting of a
score against x = log10(parameter count)).

Computed with scipy.optimize.curve_fit (and statsmodels OLS for the line), NOT derived
from the Rust code. Standard errors are curve_fit's sqrt(diag(pcov)) with
absolute_sigma=False; intervals use the delta method with the analytic gradient of the
curve and scipy.stats.t quantiles. Output: one `key value` pair per line, floats printed
with f"{x:.17g}" (round-trip exact for f64). Deterministic: no randomness anywhere.

Run (from the repository root), with the venv of tests/reference/README.md:
    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install numpy==2.4.6 scipy==1.17.1 statsmodels==0.15.0
    /tmp/refvenv/bin/python tests/reference/fit_reference.py > tests/reference/fit_reference.txt
Generated with Python 3.11.7, numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0.
"""
import numpy as np
import statsmodels.api as sm
from scipy import special, stats
from scipy.optimize import curve_fit

LN10 = np.log(10.0)
TIGHT = dict(ftol=1e-15, xtol=1e-15, gtol=1e-15, max_nfev=100000)


def out(key, x):
    print(f"{key} {float(x):.17g}")


def aicc(rss, n, k):
    # Least squares estimates the error variance too, so the standard count is K = k + 1
    # (Hurvich & Tsai 1989; Burnham & Anderson 2002, eq. 2.14).
    K = k + 1
    if n - K - 1 <= 0:
        return float("nan")  # undefined: the Rust fit reports aicc None with a note
    return n * np.log(rss / n) + 2 * K + 2 * K * (K + 1) / (n - K - 1)


def report(prefix, names, popt, pcov, x, y, model, grad, at, level=0.95, k_model=None):
    """popt, standard errors, RSS, AICc and delta-method intervals at the points `at`.
    `k_model`: the parameters AICc counts when it differs from len(popt) (a logistic whose
    ceiling sits on its bound 1 is reported as the 2-parameter curve, but AICc counts 3)."""
    n, k = len(x), len(popt)
    resid = model(x, *popt) - y
    rss = float(resid @ resid)
    se = np.sqrt(np.diag(pcov))
    for name, v, s in zip(names, popt, se):
        out(f"{prefix}.{name}", v)
        out(f"{prefix}.{name}.se", s)
    out(f"{prefix}.rss", rss)
    out(f"{prefix}.aicc", aicc(rss, n, k if k_model is None else k_model))
    s2 = rss / (n - k)
    t = stats.t.ppf((1 + level) / 2, n - k)
    for xa in at:
        g = grad(xa, *popt)
        yhat = model(np.array([xa]), *popt)[0]
        mse = float(np.sqrt(g @ pcov @ g))
        out(f"{prefix}.predict@{xa}", yhat)
        out(f"{prefix}.mean_se@{xa}", mse)
        out(f"{prefix}.band_lo@{xa}", yhat - t * mse)
        out(f"{prefix}.band_hi@{xa}", yhat + t * mse)
        pse = np.sqrt(s2 + mse**2)
        out(f"{prefix}.pi_lo@{xa}", yhat - t * pse)
        out(f"{prefix}.pi_hi@{xa}", yhat + t * pse)
    return rss


# ---------------------------------------------------------------- logistic
# y = f + (c - f) * sigmoid(s * (x - m)), floor f fixed, ceiling c bounded to (f, 1] (a rate).
LOG_X = np.array([8.0, 8.5, 9.0, 9.5, 10.0, 10.5, 11.0, 11.5])
LOG_Y = np.array([0.26, 0.25, 0.27, 0.30, 0.41, 0.62, 0.78, 0.84])


def logistic(floor):
    def model(x, m, s, c):
        return floor + (c - floor) / (1 + np.exp(-s * (x - m)))

    def grad(x, m, s, c):
        p = special.expit(s * (x - m))
        dp = p * special.expit(-s * (x - m))
        return np.array([-(c - floor) * dp * s, (c - floor) * dp * (x - m), p])

    def jac(x, m, s, c):
        return np.stack([grad(xi, m, s, c) for xi in x])

    return model, grad, jac


def fit_logistic(floor, x, y):
    model, grad, jac = logistic(floor)
    best = None
    for m0 in np.linspace(x.min(), x.max(), 5):
        for s0 in (2.0, 5.0, -2.0):
            p0 = [m0, s0, floor + 0.9 * (1 - floor)]
            try:
                popt, pcov = curve_fit(model, x, y, p0=p0, jac=jac, method="trf",
                                       bounds=([-np.inf, -np.inf, floor], [np.inf, np.inf, 1.0]), **TIGHT)
            except RuntimeError:
                continue
            rss = float(np.sum((model(x, *popt) - y) ** 2))
            if best is None or rss < best[0]:
                best = (rss, popt, pcov)
    rss, popt, pcov = best
    # With floor 0 the optimum lies on the bound c = 1 (the data's floor is near 0.25, so the
    # curve wants a ceiling above 1); curve_fit then still reports pcov from the Jacobian in the
    # natural parameters, as if unconstrained, and so does the Rust fit.
    assert floor < popt[2] <= 1.0
    return model, grad, popt, pcov


def at_ceiling(floor):
    """The logistic with its ceiling fixed at 1: what emerge reports when the 3-parameter
    optimum lies on the bound c = 1 (standard errors and intervals of the 2 free parameters)."""
    def model(x, m, s):
        return floor + (1 - floor) / (1 + np.exp(-s * (x - m)))

    def grad(x, m, s):
        p = special.expit(s * (x - m))
        dp = p * special.expit(-s * (x - m))
        return np.array([-(1 - floor) * dp * s, (1 - floor) * dp * (x - m)])

    def jac(x, m, s):
        return np.stack([grad(xi, m, s) for xi in x])

    return model, grad, jac


def report_logistic(tag, floor, x, y, at):
    model, grad, popt, pcov = fit_logistic(floor, x, y)
    if popt[2] < 1.0 - 1e-6 * (1.0 - floor):
        report(tag, ["midpoint", "slope", "ceiling"], popt, pcov, x, y, model, grad, at)
        return
    model, grad, jac = at_ceiling(floor)
    popt, pcov = curve_fit(model, x, y, p0=popt[:2], jac=jac, method="trf", **TIGHT)
    out(f"{tag}.ceiling", 1.0)
    report(tag, ["midpoint", "slope"], popt, pcov, x, y, model, grad, at, k_model=3)


for tag, floor in (("logistic_floor0", 0.0), ("logistic_floor025", 0.25)):
    report_logistic(tag, floor, LOG_X, LOG_Y, [10.25, 12.0])
    # Holdout: fit on the first 7 points, predict x = 11.5 with a 95% prediction interval.
    report_logistic(f"{tag}.holdout", floor, LOG_X[:7], LOG_Y[:7], [11.5])

# ---------------------------------------------------------------- linear
LIN_X = np.array([8.0, 9.0, 10.0, 11.0])
LIN_Y = np.array([0.1, 0.22, 0.29, 0.41])


def line(x, a, b):
    return a + b * x


def line_grad(x, a, b):
    return np.array([1.0, x])


def line_jac(x, a, b):
    return np.stack([np.ones_like(x), x], axis=1)


popt, pcov = curve_fit(line, LIN_X, LIN_Y, p0=[0.0, 0.0], jac=line_jac, method="trf", **TIGHT)
report("linear", ["intercept", "slope"], popt, pcov, LIN_X, LIN_Y, line, line_grad, [12.0])
# Cross-check with statsmodels OLS.
ols = sm.OLS(LIN_Y, sm.add_constant(LIN_X)).fit()
out("linear.ols.intercept", ols.params[0])
out("linear.ols.slope", ols.params[1])
out("linear.ols.intercept.se", ols.bse[0])
out("linear.ols.slope.se", ols.bse[1])
pred = ols.get_prediction(np.array([[1.0, 12.0]]))
lo, hi = pred.conf_int(obs=True, alpha=0.05)[0]
out("linear.ols.pi_lo@12.0", lo)
out("linear.ols.pi_hi@12.0", hi)
lo, hi = pred.conf_int(obs=False, alpha=0.05)[0]
out("linear.ols.band_lo@12.0", lo)
out("linear.ols.band_hi@12.0", hi)

# ---------------------------------------------------------------- broken power law
# y = a + sgn*b*(N/N0)^(-c0) * (1 + (N/d)^(1/f))^(-c1*f), N = 10^x, N0 = 10^mean(x), sgn = -1 (rising).
BPL_X = np.arange(7.0, 11.51, 0.5)
BPL_REF = BPL_X.mean()
BPL_SIGN = -1.0
BPL_TRUE = [0.9, 0.5, 0.1, 1.2, 9.5, 0.3]  # limit, scale, exponent_before, exponent_change, break, sharpness
BPL_NAMES = ["limit", "scale", "exponent_before", "exponent_change", "break_log10_params", "sharpness"]
BPL_NOISE = np.array([0.004, -0.003, 0.002, -0.005, 0.003, 0.001, -0.002, 0.004, -0.001, 0.002])


def bpl(x, a, b, c0, c1, d, f):
    log10_t = -c0 * (x - BPL_REF) - c1 * f * np.logaddexp(0.0, LN10 * (x - d) / f) / LN10
    return a + BPL_SIGN * b * 10.0**log10_t


def bpl_grad(x, a, b, c0, c1, d, f):
    w = (x - d) / f
    L = np.logaddexp(0.0, LN10 * w) / LN10
    t = 10.0 ** (-c0 * (x - BPL_REF) - c1 * f * L)
    dl = special.expit(LN10 * w)
    sbt = BPL_SIGN * b * t
    return np.array([1.0, BPL_SIGN * t, -sbt * LN10 * (x - BPL_REF), -sbt * LN10 * f * L, sbt * LN10 * c1 * dl,
                     sbt * LN10 * c1 * (w * dl - L)])


def bpl_jac(x, *p):
    return np.stack([bpl_grad(xi, *p) for xi in x])


bpl_clean = bpl(BPL_X, *BPL_TRUE)
for i, v in enumerate(bpl_clean):
    out(f"bpl.clean.y{i}", v)
for xa in (7.25, 9.25, 10.75, 12.0):
    out(f"bpl.clean.predict@{xa}", bpl(np.array([xa]), *BPL_TRUE)[0])

bpl_noisy = bpl_clean + BPL_NOISE
for i, v in enumerate(bpl_noisy):
    out(f"bpl.noisy.y{i}", v)
best = None
starts = [BPL_TRUE] + [[0.9, 0.5, c0, c1, d, f] for c0 in (0.05, 0.2) for c1 in (0.6, 1.2, 2.4)
                       for d in (9.0, 9.5, 10.0) for f in (0.1, 0.3, 0.8)]
for p0 in starts:
    try:
        popt, pcov = curve_fit(bpl, BPL_X, bpl_noisy, p0=p0, jac=bpl_jac, method="trf",
                               bounds=([-np.inf, 0, -np.inf, -np.inf, -np.inf, 0], np.inf), **TIGHT)
    except RuntimeError:
        continue
    rss = float(np.sum((bpl(BPL_X, *popt) - bpl_noisy) ** 2))
    if best is None or rss < best[0]:
        best = (rss, popt, pcov)
rss, popt, pcov = best
report("bpl.noisy", BPL_NAMES, popt, pcov, BPL_X, bpl_noisy, bpl, bpl_grad, [9.25, 10.75])
