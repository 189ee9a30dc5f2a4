"""The published scaling laws of language models, and a power law fitted to a handful of our own points.

Kaplan et al. (2020) fit the loss of a model trained to convergence as a power of its size, and of a large model
as a power of its data: L(N) = (N_c / N)^alpha_N and L(D) = (D_c / D)^alpha_D (N non-embedding parameters, D tokens,
L in nats per token of GPT-2's BPE on WebText2). Hoffmann et al. (2022, "Chinchilla") fit both at once,
L(N, D) = E + A / N^alpha + B / D^beta (N all parameters, L in nats per token of their own tokenizer on
MassiveText), and minimised it under a compute budget C = 6 N D: `chinchilla_optimal`. The constants below are the
papers' published ones; their losses are in the papers' units, not comparable with a loss on another text or
tokenizer, and were fitted on models far larger than ours (Chinchilla's smallest had about 70 million parameters).
The rule of thumb "20 tokens per parameter" comes from the paper's other two estimates (and Chinchilla itself, 70 B
parameters on 1.4 T tokens); minimised, the published parametric fit puts the optimum elsewhere (example below),
an inconsistency Besiroglu et al. (2024) traced to the fit.

Example:
    >>> round(chinchilla_loss(70e9, 1.4e12), 2)  # Chinchilla itself: 70 B parameters, 1.4 T tokens
    1.94
    >>> n, d = chinchilla_optimal(6 * 70e9 * 1.4e12)
    >>> round(d / n)  # tokens per parameter at the fit's optimum for Chinchilla's budget: not their rule's 20
    93
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ChinchillaFit:
    """Hoffmann et al. (2022)'s parametric fit L(N, D) = E + A / N^alpha + B / D^beta (their Approach 3)."""

    E: float = 1.69  # irreducible loss: the entropy of their text under their tokenizer, in nats per token
    A: float = 406.4  # how much the finite model size costs
    B: float = 410.7  # how much the finite data costs
    alpha: float = 0.34  # exponent of the model-size term
    beta: float = 0.28  # exponent of the data term


@dataclass(frozen=True)
class KaplanFit:
    """Kaplan et al. (2020)'s single-variable fits (their Table 5 / eqs. 1.1-1.2)."""

    alpha_n: float = 0.076  # L(N) exponent, N non-embedding parameters, trained to convergence
    n_c: float = 8.8e13  # L(N) scale, parameters
    alpha_d: float = 0.095  # L(D) exponent, D tokens, large model with early stopping
    d_c: float = 5.4e13  # L(D) scale, tokens
    optimal_n_exponent: float = 0.73  # compute-optimal N grows as C_min^0.73 (their Section 6)


def chinchilla_loss(n_params: float, n_tokens: float, fit: ChinchillaFit = ChinchillaFit()) -> float:
    """Predicted loss (nats per token, in the paper's units) of N parameters trained on D tokens."""
    return fit.E + fit.A / n_params**fit.alpha + fit.B / n_tokens**fit.beta


def chinchilla_optimal(flops: float, fit: ChinchillaFit = ChinchillaFit()) -> tuple[float, float]:
    """(N, D) minimising `chinchilla_loss` under the budget 6 N D = `flops`.

    Setting D = C / 6N and the derivative in N to zero gives alpha A N^-alpha = beta B (C/6)^-beta N^beta, so
    N_opt = G (C/6)^(beta / (alpha + beta)) with G = (alpha A / (beta B))^(1 / (alpha + beta)), and D_opt = C / 6 N_opt.
    """
    g = (fit.alpha * fit.A / (fit.beta * fit.B)) ** (1 / (fit.alpha + fit.beta))
    n = g * (flops / 6) ** (fit.beta / (fit.alpha + fit.beta))
    return n, flops / (6 * n)


def kaplan_loss_n(n_params: float, fit: KaplanFit = KaplanFit()) -> float:
    """Kaplan's L(N): loss (nats per token, their units) of N non-embedding parameters trained to convergence."""
    return (fit.n_c / n_params) ** fit.alpha_n


def kaplan_loss_d(n_tokens: float, fit: KaplanFit = KaplanFit()) -> float:
    """Kaplan's L(D): loss (nats per token, their units) of a large model trained on D tokens, stopped early."""
    return (fit.d_c / n_tokens) ** fit.alpha_d


def fit_power_law(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, alpha) with y ~ a x^-alpha: least squares on log y = log a - alpha log x.

    Example: points exactly on y = 8 / x^0.5 give back a = 8, alpha = 0.5.
    >>> a, alpha = fit_power_law(np.array([1.0, 4.0, 16.0]), np.array([8.0, 4.0, 2.0]))
    >>> round(a, 6), round(alpha, 6)
    (8.0, 0.5)
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("a power law is fitted to positive x and y only (fit the loss *above* its floor)")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(np.exp(intercept)), float(-slope)
