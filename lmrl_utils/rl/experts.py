"""Experts to imitate and exact scores of policies: Chapter 5 compares a learner with its expert without noise.

An expert is the exact optimal policy of Chapter 4 (`solve_exact`), and a policy's score is its expected return
over the environment's time limit computed by finite-horizon dynamic programming, not by sampling episodes: two
policies can then be compared exactly, and a test on them never fails by bad luck.

Example:
    env = gymnasium.make("lmrl/Tightrope-v0", slip=0.2)
    expert = expert_policy(env)          # -> [2, 2, 2, 1, 0, 0, 0, 0]: step towards the middle, then stay
    exact_return(env, expert)            # -> 99.77 of the 100 steps survived, on average
    cartpole_expert(obs)                 # CartPole's scripted expert: 1 (push right) or 0 (push left)
"""

from __future__ import annotations

import numpy as np

from lmrl_utils.rl.mdp import finite_horizon_value, from_gym_env, solve_exact


def expert_policy(env, gamma: float = 0.99) -> np.ndarray:
    """The optimal deterministic policy (S,) of a toy-text env's MDP with discount `gamma` (ties: lowest action).

    >>> import gymnasium, lmrl_utils.rl.envs
    >>> expert_policy(gymnasium.make("lmrl/Tightrope-v0", width=5, slip=0.2)).tolist()
    [2, 2, 1, 0, 0, 0]
    """
    return solve_exact(from_gym_env(env, gamma=gamma))[1]


def horizon_of(env) -> int:
    """The time limit of a registered env (`max_episode_steps`): the T of an episode's return."""
    if env.spec is None or env.spec.max_episode_steps is None:
        raise ValueError("make the env with gymnasium.make(...) so that it has a time limit (max_episode_steps)")
    return int(env.spec.max_episode_steps)


def exact_return(env, policy: np.ndarray, horizon: int | None = None) -> float:
    """E[R_1 + ... + R_T] of `policy` ((S,) actions or (S, A) probabilities) from the start distribution, with
    T = `horizon` or the env's time limit: the exact mean of many episodes' returns.

    >>> import gymnasium, lmrl_utils.rl.envs
    >>> env = gymnasium.make("lmrl/Tightrope-v0", slip=0.0)
    >>> exact_return(env, np.ones(8, dtype=int))   # always stay: 100 steps on a calm rope
    100.0
    """
    mdp = from_gym_env(env, gamma=1.0)
    T = horizon_of(env) if horizon is None else horizon
    return float(mdp.start @ finite_horizon_value(mdp, np.asarray(policy), T))


# CartPole's scripted expert: gains on (x, ẋ, θ, θ̇), found by hand, reaching the 500-step limit of CartPole-v1.
CARTPOLE_GAINS = np.array([1.0, 1.5, 20.0, 3.0])


def cartpole_expert(obs: np.ndarray) -> np.ndarray:
    """Push the cart under the pole: 1 (right) where k·(x, ẋ, θ, θ̇) > 0, else 0; obs (..., 4) -> actions (...).

    A proportional-derivative controller on the pole's angle θ (20 θ + 3 θ̇: lean right, or fall right, and the
    cart moves right to catch it) plus a weaker one on the cart's position (x + 1.5 ẋ), which keeps the cart
    near the centre of the track.

    >>> cartpole_expert(np.array([[0.0, 0.0, 0.05, 0.0], [0.0, 0.0, -0.05, 0.0]])).tolist()
    [1, 0]
    """
    return (np.asarray(obs) @ CARTPOLE_GAINS > 0).astype(int)
