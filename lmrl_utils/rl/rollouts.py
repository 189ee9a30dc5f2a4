"""Experience without a model: the agent-environment loop, success rates and Monte-Carlo evaluation (Chapter 4).

Example:
    env = gymnasium.make("FrozenLake-v1", is_slippery=False)
    states, actions, rewards = run_episode(env, lambda s: 2, seed=0)   # always right
    success_rate(env, np.full(16, 2), n_episodes=10, seed=0)            # -> 0.0 (right, right, right, stuck)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lmrl_utils.rl.tabular import discounted_returns


def run_episode(env, act: Callable[[int], int], seed: int | None = None) -> tuple[list, list, list]:
    """The agent–environment loop: reset, then act and step until the episode ends (terminated *or*
    truncated). Returns the lists of states S_0.., actions A_0.. and rewards R_1.. of one episode."""
    obs, _ = env.reset(seed=seed)
    states, actions, rewards = [], [], []
    while True:
        action = act(obs)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        states.append(obs)
        actions.append(action)
        rewards.append(reward)
        obs = next_obs
        if terminated or truncated:
            return states, actions, rewards


def success_rate(env, policy: np.ndarray, n_episodes: int, seed: int) -> float:
    """Mean return of a deterministic policy (S,) over `n_episodes` episodes seeded seed, seed + 1, ...

    For FrozenLake the return is 1 on reaching the goal, so this is the fraction of successful episodes.
    """
    total = 0.0
    for i in range(n_episodes):
        total += sum(run_episode(env, lambda s: int(policy[s]), seed=seed + i)[2])
    return total / n_episodes


def mc_evaluation(env, policy: np.ndarray, gamma: float, n_episodes: int, seed: int) -> np.ndarray:
    """Every-visit Monte-Carlo estimate of v_π: the average of the returns G_t observed after each visit to a
    state. `policy` is (S, A) action probabilities; the rng for actions is seeded by `seed`."""
    rng = np.random.default_rng(seed)
    n_states, n_actions = policy.shape
    total, count = np.zeros(n_states), np.zeros(n_states)
    for i in range(n_episodes):
        act = lambda s: int(rng.choice(n_actions, p=policy[s]))  # noqa: E731, B023
        states, _, rewards = run_episode(env, act, seed=seed + i)
        np.add.at(total, states, discounted_returns(np.asarray(rewards, dtype=float), gamma))
        np.add.at(count, states, 1)
    return np.divide(total, count, out=np.zeros(n_states), where=count > 0)
