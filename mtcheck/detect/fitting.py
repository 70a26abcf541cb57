"""Fitting primitives shared by ``mtcheck train``'s models (sentence, context, encoder head): a
threshold at a false-positive rate, balanced weights, L2 logistic regression around a fixed offset,
and Platt scaling."""

from __future__ import annotations

import math
from typing import Sequence

from mtcheck.detect.training_choices import DEFAULTS


def threshold_for_fpr(negative_scores: Sequence[float], target: float = DEFAULTS.target_fpr) -> float:
    """The lowest threshold whose false-positive rate on ``negative_scores`` is at most ``target``."""
    values = sorted(negative_scores, reverse=True)
    allowed = int(math.floor(target * len(values)))
    # Flag strictly above the (allowed+1)-th highest negative score.
    cut = values[allowed] if allowed < len(values) else 0.0
    return min(0.99, math.nextafter(cut, 1.0))


def balanced_weights(y):
    """Per-row weights giving both classes the same total (sklearn's class_weight="balanced")."""
    import numpy as np

    y = np.asarray(y)
    n_pos = max(1, int(y.sum()))
    n_neg = max(1, len(y) - n_pos)
    return np.where(y == 1, len(y) / (2 * n_pos), len(y) / (2 * n_neg))


def logistic_with_offset(Z, y, offset, c: float, weight=None, bounds=None, raise_only: bool = False):
    """L2 logistic regression (sklearn's objective) with a fixed per-row offset in the log-odds;
    ``bounds`` optionally box-constrains the coefficients (one (low, high) per column).

    ``raise_only``: the linear part enters the log-odds through a hinge, max(0, Zw + b), as a
    raise-only context shift is applied (fitted through a smooth hinge, softplus with sharpness
    TrainingChoices.raise_sharpness, max error log(2)/sharpness at the kink). Fitted without the hinge and
    clipped afterwards, the shift's intercept, balanced by lowering English-original sentences in
    the fit, only raised them at run time."""
    import numpy as np
    from scipy.optimize import minimize
    from scipy.special import expit

    d = Z.shape[1]
    sw = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
    s = DEFAULTS.raise_sharpness

    def loss(params):
        w, b = params[:d], params[d]
        linear = Z @ w + b
        if raise_only:
            z = np.logaddexp(0.0, s * linear) / s + offset
            slope = expit(s * linear)
        else:
            z = linear + offset
            slope = 1.0
        p = expit(z)
        value = np.sum(sw * (np.logaddexp(0.0, z) - y * z)) + 0.5 / c * (w @ w)
        r = sw * (p - y) * slope
        grad = np.append(Z.T @ r + w / c, np.sum(r))
        return value, grad

    box = None if bounds is None else list(bounds) + [(None, None)]
    result = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=box, options={"maxiter": 5000})
    return result.x[:d], float(result.x[d])


def platt(raw, y, offset, weight=None) -> tuple[float, float]:
    # Balanced: the score is the probability when translated and original sentences are equally likely.
    w, b = logistic_with_offset(raw.reshape(-1, 1), y, offset, 1e6, balanced_weights(y) if weight is None else weight)
    return float(w[0]), b
