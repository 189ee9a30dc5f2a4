"""One place where every random source of the course is seeded, so a notebook run twice gives the same numbers."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and PyTorch (CPU and CUDA); return a NumPy Generator to pass on explicitly.

    Example: rng = seed_everything(0); rng.integers(10) is the same number on every run.
    """
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)  # for subprocesses; this interpreter's hash seed is already fixed
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return np.random.default_rng(seed)


def torch_generator(seed: int) -> torch.Generator:
    """A private torch.Generator, for library code that must not touch the global random state."""
    return torch.Generator().manual_seed(seed)
