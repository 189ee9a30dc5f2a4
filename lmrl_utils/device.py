"""Device choice in one place: use a GPU when there is one, never require it."""

from __future__ import annotations

import torch


def get_device() -> torch.device:
    """`cuda` when available, else `cpu` (the course is sized for a 2-core laptop CPU)."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
