"""Reference values for tests/unit/stats-paired.test.ts, computed independently of our code.

Run: python3 tests/unit/stats-paired-reference.py       (scipy 1.17: t, Wilcoxon, binomial)
     /usr/bin/python3 tests/unit/stats-paired-reference.py  (Debian 12: statsmodels 0.13.5 for
                                                            McNemar and Cohen's kappa)
Hodges-Lehmann has no scipy function: it is computed by brute force (every Walsh average).
"""
import numpy as np
from scipy import stats

try:
    from statsmodels.stats.contingency_tables import mcnemar
    from statsmodels.stats.inter_rater import cohens_kappa
except ImportError:
    mcnemar = cohens_kappa = None


def show(name, value):
    print(f"{name}: {value!r}")


if mcnemar:
    # Cavo et al. 2012 table [[59, 6], [16, 80]] (Fagerland, Lydersen & Laake 2017, chapter 8).
    show("mcnemar cavo p", mcnemar([[59, 6], [16, 80]], exact=True).pvalue)
    show("mcnemar [[40, 3], [12, 45]] p", mcnemar([[40, 3], [12, 45]], exact=True).pvalue)
    show("mcnemar [[500, 180], [250, 70]] p", mcnemar([[500, 180], [250, 70]], exact=True).pvalue)

if cohens_kappa:
    # Cohen's kappa with the Fleiss-Cohen-Everitt asymptotic SE (std_kappa, kappa_low/upp).
    for table in ([[20, 5], [10, 15]], [[45, 15], [25, 15]], [[30, 2, 1], [3, 25, 4], [2, 3, 30]]):
        k = cohens_kappa(np.array(table), return_results=True)
        show(f"kappa {table}", (k.kappa, k.std_kappa, k.kappa_low, k.kappa_upp))

if not hasattr(stats, "PermutationMethod"):
    raise SystemExit("(the rest needs scipy >= 1.12)")

show("binomtest 6/22 p", stats.binomtest(6, 22, 0.5).pvalue)

D1 = np.array([0.8, -0.3, 1.2, 0.5, 2.1, -0.7, 1.6, 0.9, 0.4, 1.1])
base1 = np.array([3.1, 2.4, 4.0, 3.3, 2.9, 3.8, 2.2, 3.5, 3.0, 2.6])
cand1 = base1 + D1
t = stats.ttest_rel(cand1, base1)
ci = t.confidence_interval(0.95)
show("ttest_rel D1 statistic", t.statistic)
show("ttest_rel D1 p", t.pvalue)
show("ttest_rel D1 ci", (ci.low, ci.high))
w = stats.wilcoxon(D1)  # auto: exact (n <= 50, no ties)
show("wilcoxon D1 statistic (min(W+, W-))", w.statistic)
show("wilcoxon D1 p exact", w.pvalue)

D2 = np.array([0.5, 0.5, 0, 1, -0.5, 0.5, 0, 0.5, 1, -0.5, 0.5, 0.5])
w2 = stats.wilcoxon(D2, method=stats.PermutationMethod(n_resamples=np.inf))  # exact permutation, ties and zeros
show("wilcoxon D2 p permutation", w2.pvalue)
w2a = stats.wilcoxon(D2, correction=True, method="asymptotic")
show("wilcoxon D2 p asymptotic cc", w2a.pvalue)

rng = np.random.default_rng(12)
D3 = np.round(rng.normal(0.08, 0.3, 80) * 4) / 4  # many ties and zeros
show("D3", D3.tolist())
w3 = stats.wilcoxon(D3, correction=True, method="asymptotic")
show("wilcoxon D3 p asymptotic cc", w3.pvalue)
t3 = stats.ttest_1samp(D3, 0)
show("ttest D3 p", t3.pvalue)
ci3 = t3.confidence_interval(0.95)
show("ttest D3 ci", (ci3.low, ci3.high))


def hodges_lehmann(d, level=0.95):
    d = np.asarray(d, dtype=float)
    n = len(d)
    walsh = np.sort(np.array([(d[i] + d[j]) / 2 for i in range(n) for j in range(i, n)]))
    m = len(walsh)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    k = int(np.floor(m / 2 - z * np.sqrt(n * (n + 1) * (2 * n + 1) / 24)))
    return float(np.median(walsh)), (float(walsh[k - 1]), float(walsh[m - k]))


show("HL D1", hodges_lehmann(D1))
show("HL D3", hodges_lehmann(D3))
