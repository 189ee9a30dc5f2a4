"""How a reward model's held-out accuracy grows with the number of labelled pairs, over seeds, cached on disk.

Labels are the expensive part of RLHF, so the question "how much does another thousand comparisons buy?" matters.
Each run trains the chapter's reward model (`reward_models.RECIPE`: same steps, batch and learning rate) on the first
n training pairs of `preference_data()` with its own seed and measures it on the 500 held-out pairs. The runs are
spread over at most two worker processes of one torch thread each.

Example:
    curves = accuracy_by_pairs(sizes=(250, 2000), seeds=(0, 1))   # about 30 s the first time, then instant
    curves[2000]       # [held-out accuracy of seed 0, of seed 1]
"""

from __future__ import annotations

import hashlib
import inspect

import torch

from lmrl_utils.cache import cache_dir, load_or_build, recipe_key, torch_threads
from lmrl_utils.lm.pretrained import cache_path, pretrained, pretrained_tokenizer
from lmrl_utils.rlhf import data, reward_models, rlhf
from lmrl_utils.rlhf.reward_models import preference_accuracy
from lmrl_utils.rlhf.rlhf import RewardModel, train_reward_model
from lmrl_utils.seeding import torch_generator
from lmrl_utils.workers import run_jobs


def held_out_accuracy(n_pairs: int, seed: int) -> float:
    """Train a reward model on the first `n_pairs` training pairs (one thread) and return its held-out accuracy."""
    prefs = data.preference_data()
    gpt, _, _ = pretrained("english")
    recipe = reward_models.RECIPE
    with torch_threads(1):
        torch.manual_seed(seed)
        model = RewardModel(gpt, data.PROMPT_LEN)
        train_reward_model(model, prefs["chosen"][:n_pairs], prefs["rejected"][:n_pairs], steps=recipe["steps"],
                           batch_size=recipe["batch_size"], lr=recipe["lr"], generator=torch_generator(seed))
        return preference_accuracy(model, prefs["val_chosen"], prefs["val_rejected"])


def accuracy_by_pairs(sizes: tuple[int, ...] = (250, 1000, 2000), seeds: tuple[int, ...] = (0, 1),
                      workers: int | None = None) -> dict[int, list[float]]:
    """{n_pairs: [held-out accuracy of each seed]}, built once (≤ 2 worker processes) and cached."""
    code = hashlib.sha256(inspect.getsource(rlhf).encode()).hexdigest()[:16]  # changed references: retrain
    recipe = {"sizes": list(sizes), "seeds": list(seeds), "train": reward_models.RECIPE, "data": data.RECIPE,
              "model": cache_path("english", pretrained_tokenizer("english")).name, "code": code}

    def build() -> dict[int, list[float]]:
        data.preference_data()  # build the shared pairs once, before the workers read them
        jobs = [(n, seed) for n in sizes for seed in seeds]
        it = iter(run_jobs(held_out_accuracy, jobs, workers))
        return {n: [next(it) for _ in seeds] for n in sizes}

    return load_or_build(cache_dir() / f"rlhf-rm-by-pairs-{recipe_key(recipe)}.pt", build)
