#!/usr/bin/env python3
"""Reference values for the posterior draws of src/analyze/bootstrap.rs.

Tidy counts: each cell's rate is drawn from its Jeffreys posterior Beta(x + 1/2,
n - x + 1/2), cells independently. For `all` over k = 5 subtasks with x = 400 of
n = 1000 items each, a draw of the compound is the product of five independent
Beta(400.5, 600.5):

- mean and standard deviation are exact: with m1 = a/(a+b), m2 = a(a+1)/((a+b)(a+b+1)),
  E = m1^k and Var = m2^k - m1^(2k);
- the 2.5% and 97.5% percentiles come from 4,000,000 numpy draws (seed 12345), whose
  own Monte Carlo error is about 1e-5 (far below the Rust test's tolerance);
- the sd of one subtask's draw is exact: sqrt(ab / ((a+b)^2 (a+b+1))).

The Jeffreys interval of 0 of 1000 items (scipy beta.ppf) checks the zero-count case.

Run (from the repository root), with the venv of tests/reference/README.md:
    /tmp/refvenv/bin/python tests/reference/bootstrap_reference.py
Generated with Python 3.11.7, numpy 2.4.6, scipy 1.17.1. Output (pasted into the Rust
tests):
    all_mean 0.010252793601601796
    all_sd 0.00088817485224227397
    all_q025 0.0086036663363845689
    all_q975 0.012085003464578586
    subtask_sd 0.015477108523991916
    jeffreys_0_of_1000 4.9091169479444152e-07 0.0025081643414222978
"""
import numpy as np
from scipy.stats import beta

x, n, k = 400, 1000, 5
a, b = x + 0.5, n - x + 0.5
m1 = a / (a + b)
m2 = a * (a + 1) / ((a + b) * (a + b + 1))
rng = np.random.default_rng(12345)
draws = np.prod(rng.beta(a, b, size=(4_000_000, k)), axis=1)
q_lo, q_hi = np.percentile(draws, [2.5, 97.5])
print(f"all_mean {m1**k:.17g}")
print(f"all_sd {np.sqrt(m2**k - m1 ** (2 * k)):.17g}")
print(f"all_q025 {q_lo:.17g}")
print(f"all_q975 {q_hi:.17g}")
print(f"subtask_sd {np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))):.17g}")
lo, hi = beta.ppf([0.025, 0.975], 0.5, 1000.5)
print(f"jeffreys_0_of_1000 {lo:.17g} {hi:.17g}")
