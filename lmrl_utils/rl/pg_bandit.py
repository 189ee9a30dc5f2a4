"""REINFORCE on a K-armed softmax bandit, many independent runs at once: cheap enough to measure what a baseline
and the step size do over hundreds of seeds (Chapter 6's pages on REINFORCE and on step sizes).

One run is the textbook loop with one pull per update: A ~ π = softmax(θ), R = m_A + σ ε, then
θ ← θ + η (R - b)(e_A - π), where (e_A - π) = ∇ ln π_A, and the running baseline b ← β b + (1 - β) R is
updated *after* the step, so the current reward never sits in its own baseline.

Example:
    out = bandit_reinforce(torch.tensor([10.0, 11.0, 12.0]), eta=0.1, steps=300, n_runs=500,
                           generator=torch.Generator().manual_seed(0), baseline="running")
    out["expected_reward"][-1].mean()      # E[R] under each run's final policy, averaged over the runs
"""

from __future__ import annotations

import torch


def bandit_reinforce(means: torch.Tensor, eta: float, steps: int, n_runs: int, generator: torch.Generator,
                     baseline: str = "running", beta: float = 0.9, noise_std: float = 1.0,
                     theta0: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """`n_runs` independent REINFORCE runs of `steps` one-pull updates with plain gradient ascent (no Adam).

    `baseline`: "running" (b ← β b + (1 - β) R after each step, starting at 0) or "none" (b = 0).
    `theta0` (K,): the starting logits (zeros: uniform). Returns "expected_reward" (steps, n_runs), the exact
    Σ_a π_a m_a after each update, "entropy" (steps, n_runs) of π in nats, and "pi" (n_runs, K) at the end.

    >>> out = bandit_reinforce(torch.tensor([0.0, 1.0]), 0.5, 200, 100, torch.Generator().manual_seed(0))
    >>> out["expected_reward"].shape, bool(out["expected_reward"][-1].mean() > 0.9)
    (torch.Size([200, 100]), True)
    """
    k = len(means)
    theta = torch.zeros(n_runs, k) if theta0 is None else theta0.expand(n_runs, k).clone()  # (n_runs, K)
    b = torch.zeros(n_runs)  # (n_runs,)
    expected, entropy = [], []
    for _ in range(steps):
        pi = torch.softmax(theta, dim=-1)  # (n_runs, K)
        a = torch.multinomial(pi, 1, generator=generator).squeeze(-1)  # (n_runs,)
        r = means[a] + noise_std * torch.randn(n_runs, generator=generator)  # (n_runs,)
        weight = r - b if baseline == "running" else r
        theta = theta + eta * weight[:, None] * (torch.nn.functional.one_hot(a, k) - pi)  # ascent on ρ
        b = beta * b + (1 - beta) * r  # after the step: no self-baseline
        pi = torch.softmax(theta, dim=-1)
        expected.append(pi @ means)
        entropy.append(-(pi * torch.log(pi.clamp_min(1e-30))).sum(-1))
    return {"expected_reward": torch.stack(expected), "entropy": torch.stack(entropy),
            "pi": torch.softmax(theta, dim=-1)}


def leave_in_baseline_gradients(theta: torch.Tensor, means: torch.Tensor, n_batches: int, batch: int,
                                generator: torch.Generator, leave_out: bool, noise_std: float = 1.0
                                ) -> torch.Tensor:
    """Batch estimates (n_batches, K) of ∇ρ, (1/N) Σ_i (R_i - b_i)(e_{A_i} - π), with b_i the mean reward of
    the batch *with* episode i (leave_out=False: biased by the factor (N - 1)/N) or *without* it (unbiased).

    >>> g = leave_in_baseline_gradients(torch.zeros(2), torch.tensor([1.0, 0.0]), 3, 4,
    ...                                 torch.Generator().manual_seed(0), leave_out=True)
    >>> g.shape
    torch.Size([3, 2])
    """
    pi = torch.softmax(theta, dim=-1)  # (K,)
    a = torch.multinomial(pi, n_batches * batch, replacement=True, generator=generator).view(n_batches, batch)
    r = means[a] + noise_std * torch.randn(n_batches, batch, generator=generator)  # (n_batches, N)
    total = r.sum(1, keepdim=True)
    b = (total - r) / (batch - 1) if leave_out else total / batch  # (n_batches, N)
    score = torch.nn.functional.one_hot(a, len(pi)) - pi  # (n_batches, N, K): ∇ ln π_A
    return ((r - b)[..., None] * score).mean(1)
