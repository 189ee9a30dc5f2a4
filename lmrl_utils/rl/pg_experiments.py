"""Multi-seed learning curves of Chapter 6's algorithms on CartPole, cached on disk so the book re-executes fast.

A learning curve is one run's history (env steps so far, mean return of each batch). Runs are expensive, so
`learning_curves` builds every (variant, seed) run once, in up to two worker processes of one torch thread each,
and caches the lot with `lmrl_utils.cache.load_or_build` under a key that holds the recipe (algorithm, config,
seeds, environment) and a hash of the code that trains (a change to the algorithms builds new curves).

Example:
    runs = {"REINFORCE": ("reinforce", ReinforceConfig(max_updates=40))}
    curves = learning_curves(runs, seeds=(0, 1, 2))       # {"REINFORCE": [history of seed 0, 1, 2]}
    grid = np.arange(8, 321, 8)
    returns = on_grid(curves["REINFORCE"], grid)           # (3, 40): each seed's return after 8, 16, ... episodes
"""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import asdict

import numpy as np

from lmrl_utils.cache import cache_dir, load_or_build, recipe_key
from lmrl_utils.rl import policy_gradient, ppo
from lmrl_utils.rl.policy_gradient import ReinforceConfig
from lmrl_utils.rl.ppo import PPOConfig
from lmrl_utils.workers import run_jobs

Run = tuple[str, ReinforceConfig | PPOConfig]  # ("reinforce" or "ppo", its config)
KEEP = ("env_steps", "mean_return", "kl")  # what a cached history keeps of each update


def run_one(algo: str, config: ReinforceConfig | PPOConfig, env_id: str, seed: int) -> dict[str, np.ndarray]:
    """One training run's history as arrays (updates,): episodes and env steps so far, the batch's mean return
    (and PPO's KL)."""
    train = {"reinforce": policy_gradient.reinforce, "ppo": ppo.ppo}[algo]
    _, history = train(env_id, config, seed)
    out = {k: np.array([h[k] for h in history]) for k in KEEP if k in history[0]}
    out["episodes"] = config.n_envs * (1 + np.arange(len(history)))
    return out


def _code_hash() -> str:
    """A short hash of the training code, part of the cache key: edited algorithms make new curves."""
    source = inspect.getsource(policy_gradient) + inspect.getsource(ppo)
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def learning_curves(runs: dict[str, Run], seeds: tuple[int, ...], env_id: str = "CartPole-v1",
                    workers: int | None = None) -> dict[str, list[dict[str, np.ndarray]]]:
    """{variant: [history of each seed]} for every variant of `runs`, built once and cached on disk."""
    recipe = {"runs": {name: (algo, asdict(cfg)) for name, (algo, cfg) in runs.items()}, "seeds": list(seeds),
              "env_id": env_id, "code": _code_hash()}

    def build() -> dict:
        jobs = [(algo, cfg, env_id, seed) for algo, cfg in runs.values() for seed in seeds]
        it = iter(run_jobs(run_one, jobs, workers))
        return {name: [next(it) for _ in seeds] for name in runs}

    return load_or_build(cache_dir() / f"pg-curves-{recipe_key(recipe)}.pt", build)


def on_grid(histories: list[dict[str, np.ndarray]], grid: np.ndarray, x: str = "episodes",
            key: str = "mean_return") -> np.ndarray:
    """Each run's `key` at the counts `grid` of `x` (episodes or env steps) -> (runs, len(grid)): the value of
    the last batch that ended at or before each count (NaN before the first batch and after the run's last one).

    >>> on_grid([{"episodes": np.array([10, 20]), "mean_return": np.array([1.0, 2.0])}], np.array([5, 10, 15, 25]))
    array([[nan,  1.,  1., nan]])
    """
    out = np.full((len(histories), len(grid)), np.nan)
    for i, h in enumerate(histories):
        idx = np.searchsorted(h[x], grid, side="right") - 1  # last batch ending at or before
        ok = (idx >= 0) & (grid <= h[x][-1])
        out[i, ok] = h[key][idx[ok]]
    return out
