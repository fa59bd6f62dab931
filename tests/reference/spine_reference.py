#!/usr/bin/env python3
"""Independent reference values (test oracles) for the `emerge` Rust CLI.

Computed with numpy / scipy / mpmath, NOT derived from the Rust code.
Output: one `key value` pair per line, floats printed with f"{x:.17g}"
(round-trip exact for f64). Deterministic: no randomness anywhere.
Run:  /tmp/refvenv/bin/python spine_reference.py > spine_reference.txt
"""
import itertools
import math

import mpmath
import numpy as np
from scipy import special, stats

mpmath.mp.dps = 50


def out(key, x):
    print(f"{key} {float(x):.17g}")


def emergence_score(y):
    """Breakthroughness (Srivastava et al. 2022, as used by Schaeffer et al. 2023):
    sign(argmax(y) - argmin(y)) * (max(y) - min(y)) / sqrt(median_i (y_i - y_{i-1})^2)
    argmax/argmin: first occurrence; median of an even count = mean of the two middle values."""
    y = np.asarray(y, dtype=float)
    sign = np.sign(np.argmax(y) - np.argmin(y))
    denom = math.sqrt(np.median(np.diff(y) ** 2))
    return sign * (y.max() - y.min()) / denom


# ---- 1. Seed example: all 5 subtasks correct at p=0.4 and p=0.6 --------------
out("all_seed_small", 0.4 ** 5)
out("all_seed_large", 0.6 ** 5)

# ---- 2. Poisson-binomial: P(X >= K) ------------------------------------------
# Equal p: reduces to the binomial survival function, P(X>=K) = binom.sf(K-1, k, p).
for k, p in [(5, 0.5), (10, 0.3), (20, 0.9)]:
    for K in range(k + 1):
        out(f"pbinom_equal:k={k}:p={p}:K={K}", stats.binom.sf(K - 1, k, p))

# Unequal p: brute-force enumeration of all 2^5 outcomes (float64) ...
ps = [0.1, 0.5, 0.9, 0.3, 0.7]
n = len(ps)
pmf = [0.0] * (n + 1)
for outcome in itertools.product([0, 1], repeat=n):
    pr = 1.0
    for o, pi in zip(outcome, ps):
        pr *= pi if o else (1.0 - pi)
    pmf[sum(outcome)] += pr
for K in range(n + 1):
    out(f"pbinom_unequal_brute:K={K}", sum(pmf[K:]))
# ... and the same enumeration in mpmath at 50 significant digits
# (p_i parsed from decimal strings, so they are the exact decimals 0.1, 0.5, ...).
mps = [mpmath.mpf(s) for s in ["0.1", "0.5", "0.9", "0.3", "0.7"]]
mpmf = [mpmath.mpf(0)] * (n + 1)
for outcome in itertools.product([0, 1], repeat=n):
    pr = mpmath.mpf(1)
    for o, pi in zip(outcome, mps):
        pr *= pi if o else (1 - pi)
    mpmf[sum(outcome)] += pr
for K in range(n + 1):
    tail = mpmath.fsum(mpmf[K:])
    out(f"pbinom_unequal_mp:K={K}", tail)
    print(f"pbinom_unequal_mp50:K={K} {mpmath.nstr(tail, 50)}")

# ---- 3. (The beta-binomial "all k correct" that all:rho=R once was: the operator
# now follows emerge simulate's model, with its oracle in rho_reference.py.)

# ---- 4. Schaeffer et al. 2023 toy model --------------------------------------
# L_CE(N) = (N/c)^alpha, alpha=-0.5, c=2e9; per-token prob p = exp(-L_CE).
Ns = [350e6, 1.3e9, 6.7e9, 175e9]  # ascending
alpha, c = -0.5, 2e9
p_tok = [math.exp(-((N / c) ** alpha)) for N in Ns]
for N, p in zip(Ns, p_tok):
    out(f"toy_p:N={N:g}", p)
for L in range(1, 6):
    exact = [p ** L for p in p_tok]          # exact match of an L-token target
    edit = [L * (1 - p) for p in p_tok]      # expected token edit distance
    for N, e, d in zip(Ns, exact, edit):
        out(f"toy_exact:L={L}:N={N:g}", e)
        out(f"toy_editdist:L={L}:N={N:g}", d)
    out(f"score_exact:L={L}", emergence_score(exact))
    out(f"score_editdist:L={L}", emergence_score(edit))

# ---- 5. Seed series ----------------------------------------------------------
# 6 sizes, log10 params x in [8.0 .. 10.0]; per-subtask rate p = 0.4 + 0.2*(x-8)/2
# (evaluated exactly in that order), same p for all 5 subtasks.
xs = [8.0, 8.4, 8.8, 9.2, 9.6, 10.0]
seed_p = [0.4 + 0.2 * (x - 8) / 2 for x in xs]
seed_all = [p ** 5 for p in seed_p]
for x, p, a in zip(xs, seed_p, seed_all):
    out(f"seed_p:x={x}", p)
    out(f"seed_all:x={x}", a)
    out(f"seed_mean:x={x}", np.mean([p] * 5))
out("score_seed_all", emergence_score(seed_all))
out("score_seed_mean", emergence_score(seed_p))

# ---- 6. Hand examples --------------------------------------------------------
out("score_hand_up", emergence_score([0.1, 0.1, 0.1, 0.5, 0.9]))
out("score_hand_down", emergence_score([0.9, 0.5, 0.2, 0.1]))

# ---- 7. Large k (products in log space must stay exact) ----------------------
# mpmath at 30 digits for the products, scipy's binomial survival function for the tail.
import mpmath as _mp
from scipy import stats as _stats
_mp.mp.dps = 30
out("large_k_all:k=10000:p=1-1e-4", float((1 - _mp.mpf(1) / 10**4) ** 10000))
out("large_k_any:k=10000:p=1e-6", float(1 - (1 - _mp.mpf(1) / 10**6) ** 10000))
out("large_k_atleast:k=10000:p=0.5:K=5001", float(_stats.binom.sf(5000, 10000, 0.5)))
