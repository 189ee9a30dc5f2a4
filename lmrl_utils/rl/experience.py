"""Checks on an agent's own recorded experience, for tests that accept any correct order of random draws.

A test wraps the environment in `TransitionRecorder`, lets the student's agent learn, then replays the learning
rule on exactly the transitions the agent made (`replay_td_exact`) and checks that its actions follow the
behaviour policy the exercise asks for (`action_frequencies_fit`, `epsilon_schedule_fits`), each with a stated
error rate.

Example:
    env = TransitionRecorder(gymnasium.make("FrozenLake-v1"))
    Q = q_learning(env, config, seed=0)                      # the student's agent
    np.allclose(Q, replay_td_exact(env.transitions, np.zeros((16, 4)), config.alpha, config.gamma))
"""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium
import numpy as np


class TransitionRecorder(gymnasium.Wrapper):
    """Records the experience an agent makes, so a test can replay a learning rule on exactly that experience:
    correct code passes whatever order it draws its random numbers in.

    `transitions` holds one (s, a, r, s', terminated, truncated) tuple per step, `reset_seeds` the seed of each
    reset (None when not given).
    """

    def __init__(self, env) -> None:
        super().__init__(env)
        self.transitions: list[tuple[int, int, float, int, bool, bool]] = []
        self.reset_seeds: list[int | None] = []
        self._state = -1

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        self.reset_seeds.append(seed)
        obs, info = self.env.reset(seed=seed, options=options)
        self._state = int(obs)
        return obs, info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.transitions.append((self._state, int(action), float(reward), int(obs), bool(terminated), bool(truncated)))
        self._state = int(obs)
        return obs, reward, terminated, truncated, info


def replay_td_exact(
    transitions: list, values: np.ndarray, alpha: float, gamma: float, *, truncation_ends: bool = False,
    bootstrap_terminal: bool = False,
) -> np.ndarray:
    """The TD updates of recorded transitions, in order, applied to a copy of `values`: v (S,) for TD(0)
    prediction, Q (S, A) for Q-learning (the next state's value is max_a' Q(s', a')).

    Target r after a terminated step, r + γ v(s') otherwise, also after a truncated one. The two flags replay
    the classic mistakes instead (a truncation treated as terminal; a bootstrap through a terminal step), so a
    test can name the one a wrong answer made. Example: replay_td_exact([(0, 0, 1.0, 1, True, False)],
    np.zeros(2), 0.5, 0.9) -> [0.5, 0.0].
    """
    v = np.array(values, dtype=float)
    for transition in transitions:
        _td_update(v, transition, alpha, gamma, truncation_ends, bootstrap_terminal)
    return v


def _td_update(v: np.ndarray, transition: tuple, alpha: float, gamma: float, truncation_ends: bool = False,
               bootstrap_terminal: bool = False) -> None:
    """One TD update of v (S,) or Q (S, A), in place, on one recorded transition (the rule of `replay_td_exact`)."""
    s, a, r, s_next, terminated, truncated = transition
    ends = (terminated and not bootstrap_terminal) or (truncated and truncation_ends)
    next_value = v[s_next].max() if v.ndim == 2 else v[s_next]
    target = r if ends else r + gamma * next_value
    idx = (s, a) if v.ndim == 2 else s
    v[idx] += alpha * (target - v[idx])


def action_frequencies_fit(
    transitions: list, pi: np.ndarray, delta: float = 1e-4
) -> tuple[bool, int, np.ndarray]:
    """Whether the recorded actions are consistent with drawing them from pi[s] (S, A), a test that fails a
    correct agent with probability at most `delta`.

    For each state s visited n_s times and action a, Hoeffding's inequality bounds the deviation of the observed
    frequency from pi[s, a] by sqrt(log(2K / δ) / (2 n_s)) with probability 1 − δ / K; a union over the K pairs
    gives the error rate δ. An action with pi[s, a] = 0 fails at once. Returns (ok, worst state, its frequencies).
    """
    S, A = pi.shape
    counts = np.zeros((S, A))
    for s, a, *_ in transitions:
        counts[s, a] += 1
    n = counts.sum(axis=1)  # (S,) visits
    visited = np.flatnonzero(n > 0)
    freq = counts / np.maximum(n, 1)[:, None]
    bound = np.sqrt(np.log(2 * S * A / delta) / (2 * np.maximum(n, 1)))[:, None]  # (S, 1)
    excess = np.where((pi == 0) & (counts > 0), np.inf, np.abs(freq - pi) - bound)[visited]
    worst = int(visited[np.argmax(excess.max(axis=1))]) if len(visited) else 0
    return bool(len(visited) == 0 or excess.max() <= 0), worst, freq[worst]



def epsilon_schedule_fits(
    transitions: list, q0: np.ndarray, alpha: float, gamma: float, epsilons: Sequence[float], delta: float = 1e-4
) -> tuple[bool, int, float, float]:
    """Whether a Q-learning agent took greedy actions as often as ε-greedy with ε = epsilons[episode] does, a test
    that fails a correct agent with probability at most `delta`.

    Q is replayed along the transitions (as `replay_td_exact`), so before each step the greedy set G of the state
    is known and ε-greedy takes a greedy action with probability p = (1 − ε) + ε |G| / A. The differences
    x_t − p_t (x_t = 1 for a greedy action) are martingale differences in a range of width 1, so by Azuma–Hoeffding
    |Σ (x_t − p_t)| ≥ sqrt(n log(2/δ) / 2) has probability at most δ. An episode ends at a terminated or truncated
    step. Returns (ok, greedy steps, expected greedy steps, the allowed deviation).
    Example: epsilon_schedule_fits([(0, 1, 0.0, 0, True, False)], np.array([[0.0, 1.0]]), 0.5, 0.9, [0.0])[0] -> True
    """
    q = np.array(q0, dtype=float)
    n_actions = q.shape[1]
    episode, greedy, expected = 0, 0, 0.0
    for transition in transitions:
        s, a, _, _, terminated, truncated = transition
        eps = float(epsilons[min(episode, len(epsilons) - 1)])
        best = q[s] == q[s].max()  # (A,) the tied greedy actions
        expected += (1 - eps) + eps * best.sum() / n_actions
        greedy += int(best[a])
        _td_update(q, transition, alpha, gamma)
        episode += int(terminated or truncated)
    allowed = float(np.sqrt(len(transitions) * np.log(2 / delta) / 2))
    return bool(abs(greedy - expected) <= allowed), greedy, float(expected), allowed
