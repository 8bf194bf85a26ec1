#!/usr/bin/env python3
"""Independent leave-one-out PLSpredict on the satisfaction data (CCSI model).

Written from the formulas of Shmueli et al. (2016, 2019), not from csi's code, with
numpy only. Prints the per-indicator expected values that tests/it/predict.rs embeds.

Model: the plspm CCSI model (six Mode A blocks, ten paths), path weighting scheme,
standardized indicators, PLS iterated until the squared change of the weights is
below 1e-24. For each respondent i:
  * PLS on the other n-1 rows (means, population sds, weights, loadings, paths);
  * scores of row i: eta = w' (x_i - mean) / sd;
  * earliest antecedents: exogenous scores from row i, endogenous constructs in causal
    order from the predicted scores of their predecessors; direct antecedents: from
    the predecessors' scores of row i;
  * item prediction mean + sd * loading * eta_hat; naive prediction: training mean;
  * LM: OLS with intercept of the item on the IMAG items (the only exogenous block).
Metrics over the n rows: RMSE, MAE, Q2predict = 1 - SSE / SSE(naive).

Usage: python3 tests/scripts/plspredict_loo.py ../shared/reference/data/satisfaction.csv
"""
import csv
import sys

import numpy as np

BLOCKS = [("IMAG", 5), ("EXPE", 5), ("QUAL", 5), ("VAL", 4), ("SAT", 4), ("LOY", 4)]
PATHS = [("IMAG", "EXPE"), ("EXPE", "QUAL"), ("EXPE", "VAL"), ("QUAL", "VAL"),
         ("IMAG", "SAT"), ("EXPE", "SAT"), ("QUAL", "SAT"), ("VAL", "SAT"),
         ("IMAG", "LOY"), ("SAT", "LOY")]
NAMES = [b for b, _ in BLOCKS]
Q = len(NAMES)
ITEMS = [f"{b.lower()}{k + 1}" for b, n in BLOCKS for k in range(n)]
OWNER = [j for j, (_, n) in enumerate(BLOCKS) for _ in range(n)]
PRED = {j: [NAMES.index(a) for a, b in PATHS if b == NAMES[j]] for j in range(Q)}
SUCC = {j: [NAMES.index(b) for a, b in PATHS if a == NAMES[j]] for j in range(Q)}
ORDER = [0, 1, 2, 3, 4, 5]  # IMAG, EXPE, QUAL, VAL, SAT, LOY is causal order


def pls(x):
    n, p = x.shape
    mean = x.mean(0)
    sd = x.std(0)  # population sd
    z = (x - mean) / sd
    W = np.zeros((p, Q))
    for k in range(p):
        W[k, OWNER[k]] = 1.0
    for _ in range(10000):
        Y = z @ W
        Y = (Y - Y.mean(0)) / Y.std(0)
        R = np.corrcoef(Y, rowvar=False)
        E = np.zeros((Q, Q))
        for j in range(Q):
            pr = PRED[j]
            if pr:
                E[pr, j] = np.linalg.solve(R[np.ix_(pr, pr)], R[pr, j])
            for s in SUCC[j]:
                E[s, j] = R[j, s]
        Z = Y @ E
        Wn = np.zeros_like(W)
        for k in range(p):
            j = OWNER[k]
            Wn[k, j] = z[:, k] @ Z[:, j] / n
        # unit-variance scores
        Wn = Wn / (z @ Wn).std(0)
        change = ((np.abs(W) - np.abs(Wn)) ** 2).sum()
        W = Wn
        if change < 1e-24:
            break
    S = z @ W
    S = S / S.std(0)
    W = W / (z @ W).std(0)
    lam = np.array([np.corrcoef(z[:, k], S[:, OWNER[k]])[0, 1] for k in range(p)])
    R = np.corrcoef(S, rowvar=False)
    B = np.zeros((Q, Q))  # B[from, to]
    for j in range(Q):
        pr = PRED[j]
        if pr:
            B[pr, j] = np.linalg.solve(R[np.ix_(pr, pr)], R[pr, j])
    return mean, sd, W, lam, B


def main(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r[c]) for c in ITEMS] for r in rows])
    n, p = x.shape
    endo_items = [k for k in range(p) if PRED[OWNER[k]]]
    exo_items = [k for k in range(p) if not PRED[OWNER[k]]]
    preds = {t: np.zeros((n, len(endo_items))) for t in ("ea", "da")}
    lm = np.zeros((n, len(endo_items)))
    naive = np.zeros((n, len(endo_items)))
    for i in range(n):
        tr = np.delete(x, i, axis=0)
        mean, sd, W, lam, B = pls(tr)
        eta = ((x[i] - mean) / sd) @ W
        ea = eta.copy()
        for j in ORDER:
            if PRED[j]:
                ea[j] = sum(B[a, j] * ea[a] for a in PRED[j])
        da = eta.copy()
        for j in range(Q):
            if PRED[j]:
                da[j] = sum(B[a, j] * eta[a] for a in PRED[j])
        X1 = np.column_stack([np.ones(n - 1), tr[:, exo_items]])
        for c, k in enumerate(endo_items):
            preds["ea"][i, c] = mean[k] + sd[k] * lam[k] * ea[OWNER[k]]
            preds["da"][i, c] = mean[k] + sd[k] * lam[k] * da[OWNER[k]]
            naive[i, c] = mean[k]
            beta, *_ = np.linalg.lstsq(X1, tr[:, k], rcond=None)
            lm[i, c] = beta[0] + x[i, exo_items] @ beta[1:]
    y = x[:, endo_items]

    def metrics(yhat):
        e = y - yhat
        e0 = y - naive
        return (np.sqrt((e ** 2).mean(0)), np.abs(e).mean(0),
                1 - (e ** 2).sum(0) / (e0 ** 2).sum(0))

    out = {t: metrics(preds[t]) for t in preds}
    lmm = metrics(lm)
    print("// item, q2 (ea), rmse (ea), mae (ea), q2 (da), rmse (da), mae (da), lm_rmse, lm_mae")
    for c, k in enumerate(endo_items):
        vals = [out["ea"][2][c], out["ea"][0][c], out["ea"][1][c],
                out["da"][2][c], out["da"][0][c], out["da"][1][c],
                lmm[0][c], lmm[1][c]]
        print(f'("{ITEMS[k]}", [' + ", ".join(repr(float(v)) for v in vals) + "]),")


if __name__ == "__main__":
    main(sys.argv[1])
