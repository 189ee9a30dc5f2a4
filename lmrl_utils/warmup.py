"""Getting started's graded warm-up: one SGD step by hand and the five-step PyTorch training loop.

The instructor notebook `solutions/00_getting_started/warmup.ipynb` carries a copy of each body for students to
read; `tests/test_solution_sync.py` keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

# The graded items of this module: a graded exercise may use none of them (lmrl_utils.grading.provenance).
GRADED = ("sgd_step", "train_linear_regression")


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
