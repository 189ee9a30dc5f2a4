"""Model-based RL on a tabular task: learn T_η and R_η by counting, plan with the learned model, Dyna-Q.

Example:
    model = CountModel(n_states=16, n_actions=4)
    model.update(s=0, a=2, r=0.0, s_next=1, terminated=False)
    model.to_mdp(gamma=0.99).P[0, 2, 1]    # -> 1.0 (one observed transition)
"""

from __future__ import annotations

import numpy as np

from lmrl_utils.rl.mdp import TabularMDP, make_absorbing
from lmrl_utils.rl.tabular import QLearningConfig, epsilon_greedy


class CountModel:
    """Maximum-likelihood model of an MDP from observed transitions: T_η(s'|s,a) = n(s,a,s') / n(s,a) and
    R_η(s,a) = the mean observed reward. Unvisited pairs are modelled as staying put with reward 0."""

    def __init__(self, n_states: int, n_actions: int) -> None:
        self.counts = np.zeros((n_states, n_actions, n_states))  # n(s, a, s')
        self.reward_sum = np.zeros((n_states, n_actions))  # Σ of rewards seen after (s, a)
        self.terminal = np.zeros(n_states, dtype=bool)  # states entered with terminated=True

    def update(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> None:
        self.counts[s, a, s_next] += 1
        self.reward_sum[s, a] += r
        self.terminal[s_next] |= terminated

    def to_mdp(self, gamma: float) -> TabularMDP:
        """The learned model as a TabularMDP (terminal states absorbing with zero reward)."""
        S, A, _ = self.counts.shape
        n = self.counts.sum(axis=2)  # (S, A) visits
        P = np.where(n[..., None] > 0, self.counts / np.maximum(n, 1)[..., None], 0.0)
        unseen = n == 0
        P[unseen] = np.eye(S)[np.nonzero(unseen)[0]]  # unvisited (s, a): assume it stays in s
        R = self.reward_sum / np.maximum(n, 1)
        make_absorbing(P, R, self.terminal)
        return TabularMDP(P=P, R=R, gamma=gamma, terminal=self.terminal.copy(), start=np.eye(S)[0])


def dyna_q(env, config: QLearningConfig, n_planning: int, seed: int, curve: list | None = None) -> np.ndarray:
    """Dyna-Q: after every real step, a Q-learning update on it, a model update, then `n_planning` Q-learning
    updates on transitions sampled from the learned model at previously visited (s, a) pairs.
    n_planning = 0 is plain Q-learning. Appends each episode's return to `curve` when given."""
    rng = np.random.default_rng(seed)
    S, A = env.observation_space.n, env.action_space.n
    Q = np.full((S, A), config.q_init)
    model = CountModel(S, A)
    seen: list[tuple[int, int]] = []

    def update(s: int, a: int, r: float, s_next: int, terminated: bool) -> None:
        target = r if terminated else r + config.gamma * Q[s_next].max()
        Q[s, a] += config.alpha * (target - Q[s, a])

    for episode in range(config.n_episodes):
        epsilon = config.epsilon(episode)
        s, _ = env.reset(seed=seed if episode == 0 else None)
        done, total = False, 0.0
        while not done:
            a = epsilon_greedy(Q[s], epsilon, rng)
            s_next, r, terminated, truncated, _ = env.step(a)
            update(s, a, r, s_next, terminated)  # learning from the real transition
            if model.counts[s, a].sum() == 0:
                seen.append((s, a))
            model.update(s, a, r, s_next, terminated)
            for _ in range(n_planning):  # planning: simulated transitions from the learned model
                ps, pa = seen[rng.integers(len(seen))]
                n = model.counts[ps, pa]
                ps_next = int(rng.choice(S, p=n / n.sum()))
                update(ps, pa, model.reward_sum[ps, pa] / n.sum(), ps_next, bool(model.terminal[ps_next]))
            s, total = s_next, total + r
            done = terminated or truncated
        if curve is not None:
            curve.append(total)
    return Q
