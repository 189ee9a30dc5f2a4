"""Exact problems for policy-gradient estimators: a softmax bandit and a two-step MDP whose gradient ∇ρ(θ) is
known exactly, so sampled estimates can be checked for bias and their variance measured (Chapter 6).

An *estimate* here is what one episode gives: ĝ = -∇_θ L for the surrogate loss L of that episode alone. The
samplers draw n episodes at once and give each its own copy of θ, so one backward pass returns the n per-episode
estimates (n, *θ.shape). They take the loss as an argument (default `reinforce_loss`) so a student's loss can be
checked the same way. z-tests with a Bonferroni correction turn "the mean estimate equals ∇ρ" into a check with
a stated false-failure rate.

Example:
    theta, means = torch.zeros(3), torch.tensor([1.0, 2.0, 3.0])
    g = bandit_gradient_samples(theta, means, 10_000, torch.Generator().manual_seed(0))    # (10000, 3)
    z = z_scores(g, bandit_gradient_exact(theta, means))      # |z| < z_critical(1e-4, 3) unless unlucky (1e-4)
"""

from __future__ import annotations

from collections.abc import Callable
from statistics import NormalDist

import torch

from lmrl_utils.rl.policy_gradient import reinforce_loss

Loss = Callable[..., torch.Tensor]  # reinforce_loss(log_probs, returns, baseline=None, n_episodes=1)


def per_episode_gradients(theta: torch.Tensor, n: int, episode: Callable, loss_fn: Loss = reinforce_loss
                          ) -> torch.Tensor:
    """The n single-episode estimates ĝ_i = -∇_θ L_i (n, *θ.shape), one backward pass for all of them.

    `episode(thetas)` gets n copies of θ (n, *θ.shape) with gradients and returns (log_probs, returns, baseline)
    of n episodes, each row computed from its own copy; `loss_fn(..., n_episodes=1)` is then a sum of
    per-episode losses and the gradient of each copy is the estimate of its episode.
    """
    thetas = theta.detach().expand(n, *theta.shape).clone().requires_grad_(True)  # (n, *θ.shape)
    log_probs, returns, baseline = episode(thetas)
    loss_fn(log_probs, returns, baseline, n_episodes=1).backward()
    return -thetas.grad


# ------------------------------------------------------------------------------------ a K-armed softmax bandit


def bandit_gradient_exact(theta: torch.Tensor, means: torch.Tensor) -> torch.Tensor:
    """∇ρ for ρ(θ) = Σ_a π_a m_a, π = softmax(θ): ∂ρ/∂θ_k = π_k (m_k - ρ), arms better than average go up.

    >>> bandit_gradient_exact(torch.zeros(2), torch.tensor([1.0, 0.0])).tolist()
    [0.25, -0.25]
    """
    pi = torch.softmax(theta, dim=-1)  # (K,)
    return pi * (means - pi @ means)


def bandit_variance_exact(theta: torch.Tensor, means: torch.Tensor, noise_std: float, baseline: float = 0.0
                          ) -> float:
    """E||ĝ - ∇ρ||² of the one-pull estimate ĝ = (R - b)(e_A - π), A ~ π, R ~ N(m_A, noise_std²), b a constant.

    E||ĝ||² = Σ_a π_a ((m_a - b)² + σ²) ||e_a - π||²; subtract ||∇ρ||² (ĝ is unbiased). Example: with b = ρ
    and no noise, a bandit whose arms all pay the same has variance 0.

    >>> bandit_variance_exact(torch.zeros(2), torch.tensor([5.0, 5.0]), noise_std=0.0, baseline=5.0)
    0.0
    """
    pi = torch.softmax(theta.double(), dim=-1)  # (K,)
    m = means.double()
    score_sq = ((torch.eye(len(pi), dtype=pi.dtype) - pi) ** 2).sum(-1)  # (K,): ||e_a - π||²
    second = (pi * ((m - baseline) ** 2 + noise_std**2) * score_sq).sum()
    return float(second - (bandit_gradient_exact(theta.double(), m) ** 2).sum())


def bandit_gradient_samples(theta: torch.Tensor, means: torch.Tensor, n: int, generator: torch.Generator,
                            baseline: float | None = None, noise_std: float = 1.0, loss_fn: Loss = reinforce_loss
                            ) -> torch.Tensor:
    """n one-pull estimates (n, K) of ∇ρ through the surrogate loss: A ~ π, R = m_A + noise_std · ε, ε ~ N(0, 1).

    >>> g = bandit_gradient_samples(torch.zeros(2), torch.tensor([1.0, 0.0]), 4, torch.Generator().manual_seed(0),
    ...                             noise_std=0.0)
    >>> sorted({abs(v) for v in g[:, 0].tolist()})   # arm 0 pulled: (1 - 1/2) · 1; arm 1: reward 0, no change
    [0.0, 0.5]
    """
    pi = torch.softmax(theta.detach(), dim=-1)
    actions = torch.multinomial(pi, n, replacement=True, generator=generator)  # (n,)
    rewards = means[actions] + noise_std * torch.randn(n, generator=generator)  # (n,)

    def episode(thetas: torch.Tensor) -> tuple:
        log_probs = torch.log_softmax(thetas, dim=-1)[torch.arange(n), actions]  # (n,)
        return log_probs, rewards, baseline

    return per_episode_gradients(theta, n, episode, loss_fn)


# --------------------------------------------------------------------------------------- a two-step MDP


# X_1 = 0 always. Action A_1 pays R1[A_1] and leads to state 1 or 2 with probabilities P1[A_1]; there the action
# A_2 pays R2[X_2 - 1, A_2] and the episode ends. Taking the immediate reward (A_1 = 0) leads mostly to the poor
# state 1: the first action trades a reward now against a better state later. `offset` is added to every reward.
R1 = torch.tensor([1.0, 0.0])  # (A,)
P1 = torch.tensor([[0.9, 0.1], [0.2, 0.8]])  # (A, 2): Pr(X_2 = 1 or 2 | A_1)
R2 = torch.tensor([[0.0, 1.0], [2.0, 3.0]])  # (2, A): reward of A_2 in state 1 (row 0) and state 2 (row 1)


def two_step_values_exact(theta: torch.Tensor, offset: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """(ρ(θ) = v(X_1), v(X_2) for X_2 = 1, 2) under the tabular softmax policy θ (3, A), differentiable in θ.

    >>> rho, v2 = two_step_values_exact(torch.zeros(3, 2))
    >>> round(rho.item(), 3), v2.tolist()
    (1.9, [0.5, 2.5])
    """
    pi = torch.softmax(theta, dim=-1)  # (3, A): row x is f(x, θ)
    v2 = (pi[1:] * R2.to(pi.dtype)).sum(-1) + offset  # (2,): expected reward of the last step
    q1 = R1.to(pi.dtype) + offset + P1.to(pi.dtype) @ v2  # (A,): q(X_1, a)
    return pi[0] @ q1, v2


def two_step_gradient_exact(theta: torch.Tensor, offset: float = 0.0) -> torch.Tensor:
    """∇ρ(θ) (3, A), exact: the autograd gradient of the closed-form ρ (a finite sum over the 8 histories)."""
    theta = theta.detach().double().requires_grad_(True)
    rho, _ = two_step_values_exact(theta, offset)
    rho.backward()
    return theta.grad


def two_step_gradient_samples(theta: torch.Tensor, n: int, generator: torch.Generator, reward_to_go: bool = True,
                              value_baseline: bool = False, offset: float = 0.0, loss_fn: Loss = reinforce_loss
                              ) -> torch.Tensor:
    """n one-episode estimates (n, 3, A) of ∇ρ: each step's ln f(X_t)_{A_t} weighted by G_1 or by G_t, minus
    the exact value v(X_t) when `value_baseline` (the best a learned baseline can do). Rewards are exact."""
    theta = theta.detach().double()
    pi = torch.softmax(theta, dim=-1)  # (3, A)
    a1 = torch.multinomial(pi[0], n, replacement=True, generator=generator)  # (n,)
    x2 = 1 + (torch.rand(n, generator=generator, dtype=pi.dtype) < P1.double()[a1, 1]).long()  # (n,) in {1, 2}
    a2 = torch.multinomial(pi[x2], 1, generator=generator).squeeze(-1)  # (n,)
    rewards = torch.stack([R1.double()[a1], R2.double()[x2 - 1, a2]], dim=1) + offset  # (n, 2)
    G = rewards.flip(1).cumsum(1).flip(1) if reward_to_go else rewards.sum(1, keepdim=True).expand(n, 2)
    rho, v2 = two_step_values_exact(theta, offset)
    baseline = torch.stack([rho.expand(n), v2[x2 - 1]], dim=1) if value_baseline else None  # (n, 2)

    def episode(thetas: torch.Tensor) -> tuple:
        log_pi = torch.log_softmax(thetas, dim=-1)  # (n, 3, A)
        rows = torch.arange(n)
        log_probs = torch.stack([log_pi[rows, 0, a1], log_pi[rows, x2, a2]], dim=1)  # (n, 2)
        return log_probs, G, baseline

    return per_episode_gradients(theta, n, episode, loss_fn)


# --------------------------------------------------------------------------------- statistical checks


def z_scores(samples: torch.Tensor, exact: torch.Tensor) -> torch.Tensor:
    """(mean - exact) / standard error, per component of the n samples (n, *shape) -> (*shape); a component
    with no spread scores 0 if the mean is exact and ±inf otherwise."""
    samples, exact = samples.double(), exact.double()
    diff = samples.mean(0) - exact
    se = samples.std(0) / samples.shape[0] ** 0.5
    return torch.where(se > 0, diff / se.clamp_min(1e-300), torch.where(diff.abs() < 1e-12, 0.0, torch.inf * diff))


def z_critical(alpha: float, n_tests: int = 1) -> float:
    """The |z| above which a two-sided test rejects, at family-wise false-failure rate `alpha` over `n_tests`
    components (Bonferroni: each tested at alpha / n_tests).

    >>> round(z_critical(0.05), 2), round(z_critical(1e-4, 3), 2)
    (1.96, 4.15)
    """
    return NormalDist().inv_cdf(1 - alpha / n_tests / 2)


def total_variance(samples: torch.Tensor) -> float:
    """tr Cov(ĝ): the sum over components of the sample variance of n estimates (n, *shape), one number to
    compare estimators by (the expected squared distance of one estimate from its mean)."""
    return float(samples.double().flatten(1).var(0).sum())
