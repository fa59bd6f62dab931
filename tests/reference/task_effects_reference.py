#!/usr/bin/env python3
"""Reference values for src/analyze/forecast/tasks.rs (test `share_and_effects_match_the_reference`).

Computed independently of the Rust closed forms:
- rho: the moment estimate sum w_i w_j d_i d_j / sum w_i w_j tau_i tau_j, summed pair by pair
  over series of one task in different pools (w = 1 / (tau^2 + v)), capped at 1;
- beta_t: the posterior of the task effect obtained by conditioning the joint normal of
  (beta_t, d_1..d_k), with beta_t ~ N(0, rho), d_i = tau_i beta_t + u_i + e_i,
  u_i ~ N(0, (1 - rho) tau_i^2), e_i ~ N(0, v_i), solved with numpy.linalg.solve.

Generated with Python 3.11.7 and numpy 2.4.6, from the repository root:
    python3 tests/reference/task_effects_reference.py > tests/reference/task_effects_reference.txt
"""
import itertools

import numpy as np

# (task, pool, d, v, tau2): the test's deviations.
DEVS = [
    ("a", "f", 0.10, 0.010, 0.020),
    ("a", "g", 0.06, 0.020, 0.010),
    ("a", "g", 0.02, 0.015, 0.010),
    ("a", "h", 0.12, 0.005, 0.030),
    ("b", "f", -0.05, 0.010, 0.020),
    ("b", "g", -0.02, 0.030, 0.010),
    ("c", "h", 0.04, 0.010, 0.030),
]

num = den = 0.0
for i, j in itertools.combinations(range(len(DEVS)), 2):
    ti, pi, di, vi, ui = DEVS[i]
    tj, pj, dj, vj, uj = DEVS[j]
    if ti != tj or pi == pj:
        continue
    wi, wj = 1 / (ui + vi), 1 / (uj + vj)
    num += wi * wj * di * dj
    den += wi * wj * np.sqrt(ui) * np.sqrt(uj)
rho = min(num / den, 1.0)
print(f"rho = {float(rho)!r}")

for task in sorted({d[0] for d in DEVS}):
    rows = [d for d in DEVS if d[0] == task]
    tau = np.array([np.sqrt(r[4]) for r in rows])
    d = np.array([r[2] for r in rows])
    cov_d = rho * np.outer(tau, tau) + np.diag([(1 - rho) * r[4] + r[3] for r in rows])
    cov_bd = rho * tau
    mean = cov_bd @ np.linalg.solve(cov_d, d)
    var = rho - cov_bd @ np.linalg.solve(cov_d, cov_bd)
    print(f"{task}: mean = {float(mean)!r}, var = {float(var)!r}")
