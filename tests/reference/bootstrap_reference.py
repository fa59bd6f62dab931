#!/usr/bin/env python3
"""Reference distribution for the parametric bootstrap of src/analyze/bootstrap.rs.

The bootstrap draws every subtask's correct count from Binomial(n, p) and recomposes.
For `all` over k = 5 subtasks at p = 0.4 with n = 1000 items each, the replicate
compound is the product of five independent Binomial(1000, 0.4)/1000 proportions.

- mean and standard deviation are exact: E = p^k, Var = (p^2 + p(1-p)/n)^k - p^(2k);
- the 2.5% and 97.5% percentiles come from 4,000,000 numpy draws (seed 12345), whose
  own Monte Carlo error is about 1e-5 (far below the Rust test's tolerance).

Run (from the repository root), with the venv of tests/reference/README.md:
    /tmp/refvenv/bin/python tests/reference/bootstrap_reference.py
Generated with Python 3.11.7, numpy 2.4.6. Output (pasted into the Rust test):
    all_mean 0.010240000000000003
    all_sd 0.00088814122615663515
    all_q025 0.0085887481485078
    all_q975 0.012069840772497597
"""
import numpy as np

p, n, k = 0.4, 1000, 5
mean = p**k
var = (p * p + p * (1 - p) / n) ** k - p ** (2 * k)
rng = np.random.default_rng(12345)
draws = np.prod(rng.binomial(n, p, size=(4_000_000, k)) / n, axis=1)
q_lo, q_hi = np.percentile(draws, [2.5, 97.5])
print(f"all_mean {mean:.17g}")
print(f"all_sd {np.sqrt(var):.17g}")
print(f"all_q025 {q_lo:.17g}")
print(f"all_q975 {q_hi:.17g}")
