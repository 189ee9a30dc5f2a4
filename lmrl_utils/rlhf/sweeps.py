"""Multi-seed RLHF runs of Chapter 7, cached on disk so the book re-executes fast.

A run is `tuning.tune` against a named reward ("reward_model": the chapter's learned proxy; "true": r* itself)
with one `TuneConfig`; its history (proxy reward, true reward r*, KL estimate, distinct-2 every few updates) is
kept as arrays, with the texts the final policy writes for a few fixed prompts. `sweep` builds every (variant, seed)
run once, in up to two worker processes of one torch thread each, and caches each run on its own (so pages
that ask for the same run share it) under a key that holds the reward, the config, the seed and a hash of the
training code (edited references or loop: new runs).

Example:
    runs = {"β = 0": ("reward_model", TuneConfig(beta=0.0, updates=40))}
    curves = sweep(runs, seeds=(0, 1, 2))        # {"β = 0": [history of seed 0, 1, 2]}
    curves["β = 0"][0]["true"]                   # (evaluations,) r* of seed 0's samples at updates 0, 10, ...
"""

from __future__ import annotations

import hashlib
import inspect
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from lmrl_utils.cache import atomic_save, cache_dir, load_or_build, recipe_key, torch_threads
from lmrl_utils.lm.decoding import generate
from lmrl_utils.lm.pretrained import pretrained
from lmrl_utils.rlhf import data, preferences, reward_models, rlhf, tuning
from lmrl_utils.rlhf.tuning import TuneConfig
from lmrl_utils.seeding import torch_generator

Run = tuple[str, TuneConfig]  # (name of the reward: "reward_model" or "true", the run's config)
KEEP = ("update", "proxy", "true", "kl", "distinct2")  # what a cached history keeps of each evaluation
N_SHOW = 4  # prompts whose completions a run keeps, to show what the tuned policy writes


def reward_fn(name: str) -> tuning.RewardFn:
    """The reward a run maximises, built inside the worker (a model does not need to cross processes)."""
    if name == "reward_model":
        return reward_models.trained_reward_model()[0]
    if name == "true":
        return tuning.true_reward()
    raise ValueError(f"unknown reward {name!r}: use 'reward_model' or 'true'")


@torch.no_grad()
def show_samples(policy: torch.nn.Module, n: int = N_SHOW) -> list[str]:
    """One completion of each of `n` fixed held-out prompts, as 'prompt|completion' texts (same prompts always)."""
    _, tok, _ = pretrained("english")
    prompts = data.sample_prompts(n, torch_generator(4242), split="val")  # (n, PROMPT_LEN)
    tokens = generate(policy, prompts, data.COMPLETION_LEN, generator=torch_generator(4243))  # (n, T)
    cut = data.PROMPT_LEN
    return [tok.decode(row[:cut].tolist()) + "|" + tok.decode(row[cut:].tolist()) for row in tokens]


def run_one(reward: str, config: TuneConfig, seed: int) -> dict[str, np.ndarray | list[str]]:
    """One RLHF run's history as arrays (evaluations,) and the final policy's `show_samples`."""
    policy, history = tuning.tune(reward_fn(reward), config, seed)
    out: dict[str, np.ndarray | list[str]] = {k: np.array([h[k] for h in history]) for k in KEEP}
    with torch_threads(config.n_threads):
        out["samples"] = show_samples(policy)
    return out


def _run_star(args: tuple) -> dict:
    """`run_one` on a tuple of arguments, for the process pool (one torch thread per worker)."""
    torch.set_num_threads(1)
    return run_one(*args)


def _code_hash() -> str:
    """A short hash of the code that trains and measures, part of the cache key."""
    source = "".join(inspect.getsource(m) for m in (rlhf, tuning, data, preferences, reward_models))
    source += inspect.getsource(show_samples)
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def run_path(reward: str, config: TuneConfig, seed: int) -> Path:
    """Where one run is cached: a key of its reward, config, seed and the training code's hash, so two pages (or
    two sweeps) that ask for the same run share it."""
    recipe = {"reward": reward, "config": asdict(config), "seed": seed, "code": _code_hash()}
    return cache_dir() / f"rlhf-run-{recipe_key(recipe)}.pt"


def sweep(runs: dict[str, Run], seeds: tuple[int, ...], workers: int | None = None) -> dict[str, list[dict]]:
    """{variant: [history of each seed]} for every variant of `runs`; each run is built once and cached on disk
    on its own, the missing ones side by side in up to `workers` (default 2) processes."""
    jobs = [(reward, cfg, seed) for reward, cfg in runs.values() for seed in seeds]
    missing = list(dict.fromkeys(job for job in jobs if not run_path(*job).exists()))
    if missing:
        if any(reward == "reward_model" for reward, _, _ in missing):
            reward_models.trained_reward_model()  # build the shared artefact once, before the workers read it
        n = min(workers or 2, os.cpu_count() or 1, len(missing))
        if n == 1:
            for job in missing:
                atomic_save(run_one(*job), run_path(*job))
        else:  # spawn: a fresh interpreter per worker, no forked torch threads
            with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
                for job, result in zip(missing, pool.map(_run_star, missing), strict=True):
                    atomic_save(result, run_path(*job))  # saved as it arrives: an interrupted build keeps it
    loaded = iter([load_or_build(run_path(*job), lambda job=job: run_one(*job)) for job in jobs])
    return {name: [next(loaded) for _ in seeds] for name in runs}


def stack(histories: list[dict], key: str) -> np.ndarray:
    """One measurement of every seed's run -> (seeds, evaluations); all runs of a variant share their updates.

    >>> stack([{"kl": np.array([0.0, 1.0])}, {"kl": np.array([0.0, 3.0])}], "kl")
    array([[0., 1.],
           [0., 3.]])
    """
    return np.stack([np.asarray(h[key], dtype=float) for h in histories])
