"""Getting started's graded warm-up: one SGD step by hand, the five-step PyTorch training loop, and the two together.

The instructor notebook `solutions/00_getting_started/warmup.ipynb` carries a copy of each body for students to
read; `tests/test_solution_sync.py` keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

# The graded items of this module: a graded exercise may use none of them (lmrl_utils.grading.provenance).
GRADED = ("sgd_step", "train_linear_regression", "fit_with_sgd_step")


def sgd_step(parameters: Iterable[torch.Tensor], lr: float) -> None:
    """In place, W ← W − lr · ∇W for every parameter that has a gradient; gradients are left as they are.

    Example: w = 3.0 with gradient 2.0 and lr = 0.1 becomes 2.8.
    """
    with torch.no_grad():  # the update itself must not become part of the graph
        for p in parameters:
            if p.grad is not None:
                p -= lr * p.grad


def train_linear_regression(x: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float) -> nn.Linear:
    """Fit y ≈ x Wᵀ + b by full-batch gradient descent on the mean squared error, from all-zero weights.

    Shapes: x (N, d), y (N, 1); returns the trained nn.Linear(d, 1).
    """
    model = nn.Linear(x.shape[1], 1)
    nn.init.zeros_(model.weight)  # a deterministic start: no random initialisation to seed
    nn.init.zeros_(model.bias)
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(n_steps):
        optimizer.zero_grad()  # 1. forget the previous step's gradients
        prediction = model(x)  # 2. forward: (N, 1)
        loss = loss_fn(prediction, y)  # 3. loss
        loss.backward()  # 4. backward: fills p.grad
        optimizer.step()  # 5. step: W ← W − lr ∇W L
    return model


def fit_with_sgd_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float) -> list[float]:
    """Train `model` in place by full-batch gradient descent on the mean squared error, each update by sgd_step.

    Shapes: x (N, d), y (N, 1), model(x) (N, 1). Returns the n_steps losses, each measured before its update.
    Without an optimizer nobody zeroes the gradients: the loop must, since sgd_step leaves them as they are.
    Example: on y = 2x from w = 0 (no bias), lr = 0.25 and the points x = ±1, w goes 0 -> 1 -> 1.5 and the
    losses are [4.0, 1.0]:
    >>> model = nn.Linear(1, 1, bias=False)
    >>> _ = nn.init.zeros_(model.weight)
    >>> fit_with_sgd_step(model, torch.tensor([[1.0], [-1.0]]), torch.tensor([[2.0], [-2.0]]), 2, 0.25)
    [4.0, 1.0]
    """
    losses = []
    for _ in range(n_steps):
        model.zero_grad()  # sgd_step leaves the gradients alone, and backward() adds to them
        loss = nn.functional.mse_loss(model(x), y)  # (N, 1) against (N, 1): a scalar
        loss.backward()
        sgd_step(model.parameters(), lr)
        losses.append(loss.item())
    return losses


def fit_with_torch_sgd(model: nn.Module, x: torch.Tensor, y: torch.Tensor, n_steps: int, lr: float) -> list[float]:
    """The tests' expected run of `fit_with_sgd_step`, by PyTorch's optimizer (here, off the student's page)."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(n_steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
