"""Reference values for src/analyze/independence.rs (run offline; output in
independence_reference.txt).

ICC(3,1) and its 95% interval from pingouin.intraclass_corr, and by the
Shrout & Fleiss (1979) formulas in numpy/scipy; F quantiles from scipy.stats.f;
the Clopper-Pearson interval of a joint rate from statsmodels.
"""
import numpy as np
import pandas as pd
import pingouin
import scipy
import scipy.stats as st
import statsmodels
from statsmodels.stats.proportion import proportion_confint

print(f"pingouin {pingouin.__version__}, scipy {scipy.__version__}, statsmodels {statsmodels.__version__}")

def icc3(x, level=0.95):
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    msr, mse = ss_rows / (n - 1), ss_err / ((n - 1) * (k - 1))
    icc = (msr - mse) / (msr + (k - 1) * mse)
    f = msr / mse
    df1, df2 = n - 1, (n - 1) * (k - 1)
    q = 1 - (1 - level) / 2
    fl = f / st.f.ppf(q, df1, df2)
    fu = f * st.f.ppf(q, df2, df1)
    return icc, (fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1)

def pingouin_icc3(x):
    n, k = x.shape
    long = pd.DataFrame([(i, j, x[i, j]) for i in range(n) for j in range(k)], columns=["item", "subtask", "x"])
    t = pingouin.intraclass_corr(long, targets="item", raters="subtask", ratings="x")
    row = t[t["Type"] == "ICC(C,1)"].iloc[0]  # pingouin 0.7 names ICC3 "ICC(C,1)"
    return row["ICC"], list(row["CI95"])

sf = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], float)
print("shrout_fleiss_table2 formula icc3, lo, hi = %.9f %.9f %.9f" % icc3(sf))
print("shrout_fleiss_table2 pingouin", pingouin_icc3(sf))

binary = np.array([[1, 1], [1, 0], [0, 1], [0, 0]], float)
print("hand_4x2 formula icc3, lo, hi = %.9f %.9f %.9f" % icc3(binary))

# A seeded binary matrix with correlated subtasks (the simulate model, numpy's own draws).
rng = np.random.default_rng(7)
n, k, p, r = 400, 5, 0.5, np.sqrt(0.3)
shared = rng.random(n)
use = rng.random((n, k)) < r
u = np.where(use, shared[:, None], rng.random((n, k)))
x = (u < p).astype(float)
np.savetxt("../data/independence_400x5.csv", x, fmt="%d", delimiter=",")
print("seeded_400x5 formula icc3, lo, hi = %.9f %.9f %.9f" % icc3(x))
print("seeded_400x5 pingouin", pingouin_icc3(x))
joint = int((x.min(axis=1) == 1).sum())
print("seeded_400x5 joint", joint, "of", n, "prediction %.12f" % np.prod(x.mean(axis=0)))
print("seeded_400x5 joint CP 95%% = %.12f %.12f" % proportion_confint(joint, n, alpha=0.05, method="beta"))

print("f.ppf(0.975, 5, 15) = %.9f" % st.f.ppf(0.975, 5, 15))
print("f.ppf(0.975, 15, 5) = %.9f" % st.f.ppf(0.975, 15, 5))
print("f.ppf(0.975, 399, 1596) = %.9f" % st.f.ppf(0.975, 399, 1596))
