"""Benjamini-Hochberg adjusted p-values, the oracle for src/analyze/verdict.rs.

Run with the venv of tests/reference/README.md (statsmodels 0.15.0):
    /tmp/refvenv/bin/python tests/reference/multitest_reference.py
Output (also pasted into the Rust tests):
[0.024999999999999998, 0.049999999999999996, 0.049999999999999996, 0.024999999999999998, 0.2]
[0.5, 0.5, 0.5]
[0.006, 0.9, 0.060000000000000005, 0.060000000000000005, 0.36, 0.060000000000000005]
"""
from statsmodels.stats.multitest import multipletests

for p in [[0.01, 0.04, 0.03, 0.005, 0.2], [0.5, 0.5, 0.5], [0.001, 0.9, 0.04, 0.04, 0.3, 0.02]]:
    adjusted = multipletests(p, method="fdr_bh")[1]
    print([float(f"{x:.17g}") for x in adjusted])
